-- POST the bench service's form (the counter's or the portal's: BENCH_FORM=OFFICE|PORTAL) with
-- its fields, its mandatory documents as multipart and a fresh idempotency key each time, as the
-- browser does. Every request files a new service request (run.sh counts them in the database).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local form = os.getenv("BENCH_FORM")
local path = os.getenv("BENCH_" .. form .. "_PATH")
local cookie = os.getenv("BENCH_" .. form .. "_COOKIE")
local csrf = os.getenv("BENCH_" .. form .. "_CSRF")
local fields = os.getenv("BENCH_" .. form .. "_FIELDS")
local documents = os.getenv("BENCH_" .. form .. "_DOCUMENT")
local run = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local boundary = "----PishkhanBench" .. run
local headers = {
  ["Cookie"] = cookie,
  ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
  ["X-CSRFToken"] = csrf,
}

local function part(name, value)
  return "--" .. boundary .. '\r\nContent-Disposition: form-data; name="' .. name ..
    '"\r\n\r\n' .. value .. "\r\n"
end

local fixed, files
function init(args)
  local pdf = assert(io.open(os.getenv("BENCH_PDF"), "rb")):read("*a")
  local parts = { part("csrfmiddlewaretoken", csrf) }
  for name, value in string.gmatch(fields, "([^&=]+)=([^&]*)") do
    parts[#parts + 1] = part(name, value)
  end
  fixed = table.concat(parts)
  parts = {}
  for name in string.gmatch(documents, "%S+") do
    parts[#parts + 1] = "--" .. boundary .. '\r\nContent-Disposition: form-data; name="' ..
      name .. '"; filename="meter-test.pdf"\r\nContent-Type: application/pdf\r\n\r\n' ..
      pdf .. "\r\n"
  end
  files = table.concat(parts) .. "--" .. boundary .. "--\r\n"
  counter = 0
  math.randomseed(os.time() + 7919 * tid)
  prefix = string.format("wrk-%s-%d-%d-%d", run, os.time(), math.random(1, 1000000000), tid)
end

function request()
  counter = counter + 1
  local key = prefix .. "-" .. counter
  return wrk.format("POST", path, headers, fixed .. part("idempotency_key", key) .. files)
end

setup = common.setup
done = common.done
