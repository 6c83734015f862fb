/*
** format.h -- Lua values shown to people.
*/
#ifndef LR_LUA_FORMAT_H
#define LR_LUA_FORMAT_H

#include <lua.h>

#include "../util/buf.h"

/* Append the value at idx for people: strings quoted, tables with keys in
** sorted order; with `multiline`, large tables one entry per line.  Never
** calls Lua code (no __tostring, no __index). */
void lrl_fmt_value(lua_State *L, int idx, lr_buf *b, int multiline);

/* A userdata whose metatable holds LRL_SHOW_FIELD = a light userdata
** pointing at an lrl_shower is shown by its `show` (C only: scripts cannot
** set a userdata's metatable); other userdata show as <__name>. */
#define LRL_SHOW_FIELD "__lrshow"
typedef struct lrl_shower {
  void (*show)(lua_State *L, int idx, lr_buf *b);
} lrl_shower;

#endif
