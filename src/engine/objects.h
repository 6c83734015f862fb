/*
** objects.h -- the Lua-visible classes of a policy: lead (lead.c), stage
** (stage.c), segment (segment.c).  C owns the data; Lua sees small
** userdata that point into the evaluation context.
*/
#ifndef LR_OBJECTS_H
#define LR_OBJECTS_H

#include <lua.h>

struct lrp_instance;
struct lrp_eval;

#define LRX_LEAD "leadrules.lead"
#define LRX_STAGE "leadrules.stage"
#define LRX_SEGMENT "leadrules.segment"

/* Create the lead metatable and the reusable lead userdata for ev
** (ev->lead_ref); the userdata reads ev->c. */
void lrx_lead_open(lua_State *L, struct lrp_eval *ev);
/* Push the lead object for the current contact. */
void lrx_push_lead(lua_State *L, struct lrp_eval *ev);

/* Stage objects: one cached userdata per stage index. */
void lrx_push_stage(lua_State *L, struct lrp_instance *in, int idx);
/* An account stage (in->acc.stages[idx]): the same class; its names are
** account stages, and it never compares with a contact stage. */
void lrx_push_account_stage(lua_State *L, struct lrp_instance *in, int idx);
/* __index of the global `stage` table: stage.mql */
int lrp_stage_namespace(lua_State *L);
/* Segment objects. */
void lrx_push_segment(lua_State *L, struct lrp_instance *in, int idx);
int lrp_segment_namespace(lua_State *L);
/* __newindex that refuses writes to a declaration namespace. */
int lrp_readonly_newindex(lua_State *L);

/* The instance whose state L is (set by load). */
struct lrp_instance *lrx_instance(lua_State *L);
/* The evaluation context currently active on L, or NULL. */
struct lrp_eval *lrx_eval(lua_State *L);
void lrx_set_eval(lua_State *L, struct lrp_eval *ev);

#endif
