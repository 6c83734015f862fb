--[==[
freemail -- the free-mail domains that account matching ignores.

A contact is matched to its account by its `account` field, else by the
domain of its email; a domain in this list never matches (ana@gmail.com
is not the account gmail.com).  `leadrules import` reads this list; a
policy adds its own domains with `free_mail { "mail.corp.example" }`.

  local freemail = require "freemail"
  freemail.is_free("GMail.com")        --> true
  freemail.domains                     --> the list below
]==]
local M = {}

M.domains = {
  "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr",
  "yahoo.de", "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr",
  "hotmail.de", "outlook.com", "live.com", "msn.com", "aol.com",
  "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me",
  "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru",
  "yandex.ru", "yandex.com", "zoho.com", "qq.com", "163.com", "126.com",
  "free.fr", "orange.fr", "laposte.net", "libero.it", "btinternet.com",
  "comcast.net", "verizon.net", "att.net", "fastmail.com", "hey.com",
  "tutanota.com",
}

local set = {}
for _, d in ipairs(M.domains) do set[d] = true end

function M.is_free(domain)
  if type(domain) ~= "string" then return false end
  return set[domain:lower()] == true
end

return M
