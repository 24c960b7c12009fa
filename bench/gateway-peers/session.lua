-- wrk script for the affinity row: same JSON POST as post.lua plus an x-session-id from 1000 sessions.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
request = function()
  local headers = { ["Content-Type"] = "application/json", ["x-session-id"] = "s" .. math.random(1, 1000) }
  return wrk.format("POST", nil, headers, body)
end
