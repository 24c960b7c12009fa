-- wrk script: POST the file named by BODY_FILE with content type BODY_TYPE to /predict.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/predict"
wrk.headers["Content-Type"] = os.getenv("BODY_TYPE") or "application/json"
