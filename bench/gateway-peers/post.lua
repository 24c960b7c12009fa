-- wrk script: POST the JSON body from $BODY_FILE to every URL (same body for every balancer).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
