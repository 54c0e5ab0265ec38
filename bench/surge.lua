-- wrk script for `make bench`: sign, read and mixed surges against one petition.
--
-- Each wrk thread drives exactly one connection, so its requests and responses strictly
-- alternate and every response can be matched to the signer that caused it. A signer
-- behaves as a new browser: GET the petition page without cookies (for its CSRF cookie
-- and form token), then POST the sign form. Every POST's outcome is logged per thread.
--
-- Like a browser (static/tautoko/pow.js), it solves the form's proof-of-work before posting:
-- SHA-256(salt .. n) == challenge for n = 0, 1, 2, ..., with libcrypto's SHA-256 through
-- LuaJIT's FFI (SHA256_Init/Update/Final: OpenSSL 3's one-call SHA256() looks the algorithm
-- up again on every call, which cost more than the hashing). As in a browser, it is solved
-- before the POST is sent, so the sign latency measured is the server's alone.
--
-- Arguments (after `--`): mode (sign|read|mixed) slug out_dir repeat_percent reads_per_sign

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } tautoko_timespec;
  int clock_gettime(int clock_id, tautoko_timespec *tp);
]]
ffi.cdef [[
  unsigned char *SHA256(const unsigned char *data, size_t length, unsigned char *digest);
  int memcmp(const void *a, const void *b, size_t length);
  int SHA256_Init(void *context);
  int SHA256_Update(void *context, const void *data, size_t length);
  int SHA256_Final(unsigned char *digest, void *context);
  int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
  int EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n);
]]
local ok, crypto = pcall(ffi.load, "crypto")
if not ok then crypto = ffi.load("libcrypto.so.3") end
local digest = ffi.new("unsigned char[32]")
local sha_context = ffi.new("unsigned char[256]")  -- a SHA256_CTX (112 bytes) with room to spare
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

local function hex_to_raw(hex)
  return (hex:gsub("%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
end

-- Base64 through libcrypto too: the challenge is decoded and the solution encoded for every
-- signer, and doing it bit by bit in Lua cost about as much as the HTTP requests.
local b64_buffer_size = 4096
local b64_buffer = ffi.new("unsigned char[?]", b64_buffer_size)

local function b64decode(text)
  text = text:gsub("[^%w%+/=]", "")
  if #text == 0 or #text % 4 ~= 0 or #text / 4 * 3 > b64_buffer_size then return "" end
  local length = crypto.EVP_DecodeBlock(b64_buffer, text, #text)
  if length < 0 then return "" end
  -- EVP_DecodeBlock counts the padding as decoded zero bytes.
  local padding = #text:match("=*$")
  return ffi.string(b64_buffer, length - padding)
end

local function b64encode(text)
  if (#text + 2) / 3 * 4 + 1 > b64_buffer_size then return "" end
  local length = crypto.EVP_EncodeBlock(b64_buffer, text, #text)
  return ffi.string(b64_buffer, length)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- Raw 32-byte digests are compared with the challenge's bytes: formatting every attempt as
-- hex would cost more than the hashing. The input to hash, salt .. n, is kept in one buffer and n's decimal digits are counted up
-- in place, so an attempt allocates nothing: the load generator shares the server's cores.
local attempt = ffi.new("unsigned char[?]", 512)
local wanted_raw = ffi.new("unsigned char[32]")

-- The form's pow field (base64 JSON of an ALTCHA challenge) → the solution to post.
local function pow_solve(field)
  local json = b64decode(field)
  local function str(name) return json:match('"' .. name .. '":"([^"]*)"') end
  local salt, challenge = str("salt"), str("challenge")
  local max_number = tonumber(json:match('"maxNumber":(%d+)'))
  if not (salt and challenge and max_number) or #salt > 400 then return "" end
  ffi.copy(wanted_raw, hex_to_raw(challenge), 32)
  ffi.copy(attempt, salt, #salt)
  local base, digits = #salt, 1
  attempt[base] = 48  -- "0"
  for n = 0, max_number do
    crypto.SHA256_Init(sha_context)
    crypto.SHA256_Update(sha_context, attempt, base + digits)
    crypto.SHA256_Final(digest, sha_context)
    if ffi.C.memcmp(digest, wanted_raw, 32) == 0 then
      local payload = '{"algorithm":"' .. str("algorithm") .. '","challenge":"' .. challenge ..
          '","number":' .. n .. ',"salt":"' .. salt .. '","signature":"' .. str("signature") ..
          '","saltSignature":"' .. str("saltSignature") .. '"}'
      return b64encode(payload)
    end
    -- n + 1, in decimal, in place.
    local i = base + digits - 1
    while i >= base and attempt[i] == 57 do  -- "9"
      attempt[i] = 48
      i = i - 1
    end
    if i >= base then
      attempt[i] = attempt[i] + 1
    else
      attempt[base] = 49  -- "1", then all zeros: one digit more
      for j = base + 1, base + digits do attempt[j] = 48 end
      digits = digits + 1
    end
  end
  return ""
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
      "&email=" .. email .. "&electorate=Wellington+Central&country=NZ&consent=on&source=bench" ..
      "&pow=" .. urlencode(pow_solve(pow_field))
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

-- The attribute value after ``prefix`` in ``body``: plain searches, not patterns, since the
-- page is some 20 KB and every signer fetches it.
function attribute_after(body, prefix)
  local start = body:find(prefix, 1, true)
  if not start then return nil end
  start = start + #prefix
  local stop = body:find('"', start, true)
  return stop and body:sub(start, stop - 1) or nil
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
    local token = body and attribute_after(body, 'name="csrfmiddlewaretoken" value="')
    local field = body and attribute_after(body, 'name="pow" value="')
    log:write("page ", status, " ", string.format("%.3f", elapsed), "\n")
    if status == 200 and cookie and token and field then
      csrf_cookie, csrf_token, pow_field = cookie, token, field
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
