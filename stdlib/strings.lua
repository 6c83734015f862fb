--[==[
strings -- small text helpers that accept nil (a NULL field) and numbers.

  local strings = require "strings"
  strings.contains(lead.title, "vp")          -- case-insensitive, plain
  strings.starts_with(lead.email, "info@")    -- case-sensitive ...
  strings.ends_with(lead.email, "@RIVAL.com", true)  -- ... or not
  strings.lower(nil)                          --> nil
  strings.trim("  a b  ")                     --> "a b"
  strings.is_blank(nil), strings.is_blank(" ")  --> true, true

contains, starts_with and ends_with return false when the text or the
needle is nil; the needle is plain text, never a pattern.  contains
ignores case; starts_with and ends_with ignore it when their third
argument is true.  Any other type than string, number or nil is an error.
]==]
local M = {}

local function text(s, what)
  local t = type(s)
  if t == "string" or t == "nil" then return s end
  if t == "number" then return tostring(s) end
  error(what .. ": string expected, got " .. t, 3)
end

function M.lower(s)
  s = text(s, "lower")
  return s and s:lower()
end

function M.contains(s, needle)
  s, needle = text(s, "contains"), text(needle, "contains")
  if s == nil or needle == nil then return false end
  return s:lower():find(needle:lower(), 1, true) ~= nil
end

function M.starts_with(s, prefix, ignore_case)
  s, prefix = text(s, "starts_with"), text(prefix, "starts_with")
  if s == nil or prefix == nil then return false end
  if ignore_case then s, prefix = s:lower(), prefix:lower() end
  return s:sub(1, #prefix) == prefix
end

function M.ends_with(s, suffix, ignore_case)
  s, suffix = text(s, "ends_with"), text(suffix, "ends_with")
  if s == nil or suffix == nil then return false end
  if ignore_case then s, suffix = s:lower(), suffix:lower() end
  return #suffix == 0 or s:sub(-#suffix) == suffix
end

function M.trim(s)
  s = text(s, "trim")
  return s and s:match("^%s*(.-)%s*$")
end

function M.is_blank(s)
  s = text(s, "is_blank")
  return s == nil or s:find("^%s*$") ~= nil
end

return M
