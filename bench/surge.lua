-- wrk script for `make bench`: sign, read and mixed surges against one petition.
--
-- Each wrk thread drives exactly one connection, so its requests and responses strictly
-- alternate and every response can be matched to the signer that caused it. A signer
-- behaves as a new browser: GET the petition page without cookies (for its CSRF cookie
-- and form token), then POST the sign form. Every POST's outcome is logged per thread.
--
-- Arguments (after `--`): mode (sign|read|mixed) slug out_dir repeat_percent reads_per_sign

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } tautoko_timespec;
  int clock_gettime(int clock_id, tautoko_timespec *tp);
]]
local clock = ffi.new("tautoko_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function init(args)
  mode = args[1]
  slug = args[2]
  out_dir = args[3]
  repeat_percent = tonumber(args[4])
  reads_per_sign = tonumber(args[5])
  page_path = "/" .. slug
  json_path = "/api/v1/petitions/" .. slug .. "/count"
  sign_path = "/" .. slug .. "/sign"
  log = io.open(out_dir .. "/thread-" .. mode .. "-" .. tid .. ".log", "w")
  math.randomseed(tid * 7919)
  step = "page"          -- what the next request is: page | sign | read
  reads_done = 0
  signed = {}            -- emails this thread has had acknowledged, for repeat signers
  serial = 0
  pending = nil          -- what the in-flight request was
end

local function sign_request()
  local email
  if #signed > 0 and math.random(100) <= repeat_percent then
    email = signed[math.random(#signed)]
  else
    serial = serial + 1
    email = "signer-" .. mode .. "-" .. tid .. "-" .. serial .. "@bench.example"
  end
  local body = "csrfmiddlewaretoken=" .. csrf_token .. "&name=Bench+Signer+" .. tid ..
      "&email=" .. email .. "&electorate=Wellington+Central&country=NZ&consent=on&source=bench"
  pending = { kind = "sign", email = email, started = now_ms() }
  return wrk.format("POST", sign_path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. csrf_cookie,
  }, body)
end

function request()
  if mode == "read" or (mode == "mixed" and step == "read") then
    reads_done = reads_done + 1
    local path = (reads_done % 2 == 0) and json_path or page_path
    pending = { kind = "read", started = now_ms() }
    return wrk.format("GET", path)
  end
  if step == "page" then
    pending = { kind = "page", started = now_ms() }
    return wrk.format("GET", page_path)
  end
  return sign_request()
end

function response(status, headers, body)
  local elapsed = now_ms() - pending.started
  if pending.kind == "sign" then
    log:write("sign ", pending.email, " ", status, " ", string.format("%.3f", elapsed), "\n")
    if status == 302 then signed[#signed + 1] = pending.email end
    step = (mode == "mixed") and "read" or "page"
    reads_done = 0
  elseif pending.kind == "page" then
    local cookie = nil
    for name, value in pairs(headers) do
      if name:lower() == "set-cookie" then cookie = value:match("csrftoken=([^;]+)") or cookie end
    end
    local token = body and body:match('name="csrfmiddlewaretoken" value="([^"]+)"')
    log:write("page ", status, " ", string.format("%.3f", elapsed), "\n")
    if status == 200 and cookie and token then
      csrf_cookie, csrf_token = cookie, token
      step = "sign"
    end
  else
    log:write("read ", status, " ", string.format("%.3f", elapsed), "\n")
    if mode == "mixed" and reads_done >= reads_per_sign - 1 then
      step = "page"   -- the page fetched for the token is the cycle's last read
    end
  end
  log:flush()
end
