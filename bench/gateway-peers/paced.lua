-- wrk script: POST the JSON body from $BODY_FILE at a paced rate. Each connection waits an
-- exponentially distributed think time (mean $MEAN_DELAY_MS) before its next request, so arrivals
-- over all connections are close to Poisson: an open-ish load well below saturation, where p99 shows
-- what the routing does rather than how long a burst queues.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local mean = tonumber(os.getenv("MEAN_DELAY_MS") or "40")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
end

function delay()
  return -mean * math.log(1 - math.random())
end
