-- GET the Tehran civil-registration officer's queue (/agency/, its first page, as it opens).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.path = "/agency/"
wrk.headers["Cookie"] = os.getenv("BENCH_QUEUE_COOKIE")
setup = common.setup
done = common.done
