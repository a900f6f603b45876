-- Calibration (BENCH_BARE): the bare views of bench/calibration. BENCH_BARE_VIEW=track posts
-- the same look-ups as track.lua to /bare/track/; BENCH_BARE_VIEW=submit posts empty forms to
-- /bare/submit/, each filing one request (two rows).
local dir = os.getenv("BENCH_WRK_DIR")
if os.getenv("BENCH_BARE_VIEW") == "track" then
  dofile(dir .. "/track.lua")
  local look_up = request
  request = function()
    return (string.gsub(look_up(), "POST /track/", "POST /bare/track/", 1))
  end
else
  local common = dofile(dir .. "/common.lua")
  wrk.method = "POST"
  wrk.path = "/bare/submit/"
  setup = common.setup
  done = common.done
end
