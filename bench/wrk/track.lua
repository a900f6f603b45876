-- POST /track/ with the tracking code and national code of a random generated request, as the
-- page's htmx form does (HX-Request, HX-Target: the answer alone comes back); with
-- BENCH_TRACK_FULL_PAGE=1 as a browser without JavaScript does (the whole page). Request
-- n has tracking code body(n) .. Damm(body(n)) and citizen (n * 7919) % citizens + 1, exactly as
-- bench/gen_data.sql made them (the formulas are in bench/prepare.py).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local requests = tonumber(os.getenv("BENCH_REQUESTS"))
local citizens = tonumber(os.getenv("BENCH_CITIZENS"))
local csrf = os.getenv("BENCH_TRACK_CSRF")
local headers = {
  ["Cookie"] = "csrftoken=" .. csrf,
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
if os.getenv("BENCH_TRACK_FULL_PAGE") ~= "1" then
  headers["HX-Request"] = "true"
  headers["HX-Target"] = "track-answer"
end
local damm = {
  {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
  {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
  {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
  {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

local function tracking_code(n)
  local body = string.format("%.0f", (n * 982451653 + 7) % 90000000000 + 10000000000)
  local i = 0
  for k = 1, #body do
    i = damm[i + 1][string.byte(body, k) - 47]
  end
  return body .. i
end

local function national_code(c)
  local nine = "998" .. string.format("%06d", c)
  local sum = 0
  for k = 1, 9 do
    sum = sum + (string.byte(nine, k) - 48) * (11 - k)
  end
  local r = sum % 11
  return nine .. (r < 2 and r or 11 - r)
end

function init(args)
  math.randomseed(os.time() + 7919 * tid)
end

function request()
  local n = math.random(1, requests)
  local body = "tracking_code=" .. tracking_code(n) ..
    "&national_code=" .. national_code((n * 7919) % citizens + 1)
  return wrk.format("POST", "/track/", headers, body)
end

setup = common.setup
done = common.done
