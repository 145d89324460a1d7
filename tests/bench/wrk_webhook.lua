-- wrk script for tests/bench/bench_sync.py: POSTs prepared webhook requests
-- to the reference back end, each exactly once, with the headers Hatch's
-- webhook adapter sends (Content-Type, Accept, Idempotency-Key,
-- X-Hatch-Signature, User-Agent), one thread and one connection only.
--   wrk -t1 -c1 -d600s -s wrk_webhook.lua URL -- REQUESTS_FILE
-- REQUESTS_FILE has one request per line: uuid TAB signature TAB body.
-- When the last answer is in, prints and flushes
--   "wrk-finished ANSWERED ACCEPTED MICROSECONDS"
-- (from the end of init(), the requests read, to that answer; the
-- connection and its TLS handshake are inside it, as for a drain), and
-- stops its thread. wrk itself still sleeps out -d: the caller sends SIGINT
-- on that line. done() then prints "wrk-result REQUESTS ERRORS P50_US".

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } hatch_timespec;
int clock_gettime(int clk, hatch_timespec *ts);
]]
local CLOCK_MONOTONIC = 1

local function now_us()
  local ts = ffi.new("hatch_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local reqs = {}
local n = 0
local next_req = 1
local answered = 0
local accepted = 0
local t0 = 0

function init(args)
  local path = args[1]
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local uuid, sig, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
    if uuid then
      n = n + 1
      reqs[n] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
        ["Idempotency-Key"] = uuid,
        ["X-Hatch-Signature"] = sig,
        ["User-Agent"] = "hatch-kiosk",
      }, body)
    end
  end
  f:close()
  -- Past the last one, if wrk asks before it has stopped: a GET of the
  -- back end's front page, which stores nothing and is not counted.
  reqs[n + 1] = wrk.format("GET", "/", {["User-Agent"] = "hatch-kiosk"}, nil)
  t0 = now_us()
end

function request()
  local r = reqs[next_req] or reqs[n + 1]
  next_req = next_req + 1
  return r
end

function response(status, headers, body)
  if answered >= n then
    return
  end
  answered = answered + 1
  if status >= 200 and status < 300 then
    accepted = accepted + 1
  end
  if answered == n then
    io.write(string.format("wrk-finished %d %d %.0f\n", answered, accepted, now_us() - t0))
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk-result %d %d %d\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50)))
end
