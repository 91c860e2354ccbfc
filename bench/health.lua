-- wrk script: GET /_stratus/health, Stratus's cheapest endpoint (no routing, auth, model or
-- codec). Also used against bench/echo_server, which answers every request alike.
-- Usage: wrk -t1 -c32 -d10s --latency -s bench/health.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

wrk.method = "GET"
wrk.path = "/_stratus/health"
wrk.body = nil
