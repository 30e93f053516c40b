-- wrk script for `./infra/local/bench peer`'s warm-up: the load of LOAD_SCRIPT (the peer's
-- req.lua or project.lua, unchanged), and every answer checked to be a known-client personalization.
-- EXPECT holds Lua patterns separated by ";"; an answer counts as good when it is a 200 whose body
-- matches every one of them. done() prints "checked GOOD BAD" and one bad answer, for the caller to
-- judge (a 200 with the defaults is not a result).
dofile(os.getenv("LOAD_SCRIPT"))

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good, bad, bad_sample = 0, 0, ""
  patterns = {}
  for p in string.gmatch(os.getenv("EXPECT"), "([^;]+)") do
    table.insert(patterns, p)
  end
end

function response(status, headers, body)
  local ok = status == 200
  if ok then
    for _, p in ipairs(patterns) do
      if not string.find(body, p) then ok = false; break end
    end
  end
  if ok then
    good = good + 1
  else
    bad = bad + 1
    if bad_sample == "" then bad_sample = status .. " " .. string.sub(body, 1, 400) end
  end
end

function done(summary, latency, requests)
  local g, b, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad")
    if sample == "" then sample = t:get("bad_sample") end
  end
  io.write(string.format("checked %d %d\n", g, b))
  if b > 0 then io.write("first bad answer: " .. sample .. "\n") end
end
