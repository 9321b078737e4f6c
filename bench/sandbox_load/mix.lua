-- The request mix of bench/sandbox_load.py: wrk drives the example workspace's three APIs with it.
--
-- The script runs wrk with one thread per connection, so each thread's Lua state sees exactly one
-- connection: request() and response() alternate, and response() knows which step it answers. That is
-- what lets a step read back what the previous one created, and judge each answer against the step's
-- expected status (wrk does not say which connection an answer came from when a thread has several).
--
-- Each connection is one session (X-Ctk-Session), walking the same cycle of steps across the three
-- protocols, valid and invalid. State stays bounded: a REST customer is created, read and deleted; SOAP
-- accounts and GraphQL products are created at most `budget` times per session, then read back.
--
-- Arguments (after `--`): the session prefix, the create budget. done() prints one "CTK-LOAD ..." line
-- per figure, which the Python script parses.

local thread_list = {}
local next_id = 1

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
   table.insert(thread_list, thread)
end

local KEY = "sk_test_load"
local SOAP_OPEN = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
local SOAP_CLOSE = "</soap:Body></soap:Envelope>"
local SEEDED_CUSTOMER = "cus_9s6XKzkNRiz8i3" -- the contract's example, a seed item of every session

-- Counted per thread, gathered by done(): "protocol status" -> answers; "protocol step status" -> answers
-- whose status the step did not expect; "protocol" -> requests sent.
tally = {}
unexpected = {}
sent = {}

local session, budget
local customer -- the REST customer this connection created and has not deleted yet
local accounts, products = {}, {} -- ids of the SOAP accounts and GraphQL products this session created
local current -- the step whose answer is awaited
local position = 0

local function count(map, key)
   map[key] = (map[key] or 0) + 1
end

local function rest(method, path, body)
   local headers = { ["X-Api-Key"] = KEY, ["X-Ctk-Session"] = session, ["Accept"] = "application/json" }
   if body then
      headers["Content-Type"] = "application/json"
   end
   return wrk.format(method, "/payments" .. path, headers, body)
end

local function soap(action, payload)
   local headers = {
      ["Content-Type"] = "text/xml; charset=utf-8",
      ["SOAPAction"] = '"urn:example:crm/' .. action .. '"',
      ["X-Ctk-Session"] = session,
   }
   return wrk.format("POST", "/crm", headers, SOAP_OPEN .. payload .. SOAP_CLOSE)
end

local function graphql(body)
   local headers = {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/graphql-response+json",
      ["X-Ctk-Session"] = session,
   }
   return wrk.format("POST", "/inventory", headers, body)
end

local function get_account(id)
   return soap("GetAccount", '<GetAccountRequest xmlns="urn:example:crm:types"><id>' .. id .. "</id></GetAccountRequest>")
end

local function read_product(id)
   return graphql('{"query":"query($id: ID!) { product(id: $id) { id sku name price status } }",'
      .. '"variables":{"id":"' .. id .. '"}}')
end

local function any(list)
   return list[math.random(#list)]
end

-- Each step: protocol, name, the statuses a right answer has, and the request (nil: skip the step this turn).
-- `on` (optional) reads a right answer: what it created.
local steps = {
   { "rest", "create", { [201] = true }, function()
      return rest("POST", "/customers", '{"email":"load@example.com","name":"Load Test","description":"' .. session .. '"}')
   end, function(body)
      customer = body:match('^{"id":"([^"]+)"')
   end },
   { "soap", "create", { [200] = true }, function()
      if #accounts >= budget then
         return nil
      end
      return soap("CreateAccount", '<CreateAccountRequest xmlns="urn:example:crm:types"><account><name>Load '
         .. session .. "</name><industry>Technology</industry></account></CreateAccountRequest>")
   end, function(body)
      local id = body:match("<crm:id>([^<]+)</crm:id>")
      if id then
         table.insert(accounts, id)
      end
   end },
   { "graphql", "create", { [200] = true }, function()
      if #products >= budget then
         return nil
      end
      return graphql('{"query":"mutation($input: CreateProductInput!) { createProduct(input: $input) '
         .. '{ product { id sku name price status } userErrors { message } } }",'
         .. '"variables":{"input":{"sku":"LOAD-' .. #products .. '","name":"Load lamp","price":"12.50"}}}')
   end, function(body)
      local id = body:match('"product":{"id":"([^"]+)"')
      if id then
         table.insert(products, id)
      end
   end },
   { "rest", "read", { [200] = true }, function()
      return customer and rest("GET", "/customers/" .. customer)
   end },
   { "soap", "read", { [200] = true }, function()
      return #accounts > 0 and get_account(any(accounts)) or nil
   end },
   { "graphql", "read", { [200] = true }, function()
      return #products > 0 and read_product(any(products)) or nil
   end },
   { "rest", "list", { [200] = true }, function()
      return rest("GET", "/customers?limit=10")
   end },
   { "graphql", "list", { [200] = true }, function()
      return graphql('{"query":"{ products(first: 5) { totalCount edges { node { id name price } } } }"}')
   end },
   { "rest", "delete", { [200] = true }, function()
      return customer and rest("DELETE", "/customers/" .. customer)
   end, function()
      customer = nil
   end },
   { "rest", "read-seeded", { [200] = true }, function()
      return rest("GET", "/customers/" .. SEEDED_CUSTOMER)
   end },
   -- invalid requests: each refused in its protocol's own form
   { "soap", "invalid", { [500] = true }, function()
      return soap("GetAccount", '<GetAccountRequest xmlns="urn:example:crm:types"><nope>1</nope></GetAccountRequest>')
   end },
   { "graphql", "syntax-error", { [400] = true }, function()
      return graphql('{"query":"{ product(id: "}')
   end },
   { "rest", "invalid-body", { [400] = true }, function()
      return rest("POST", "/customers", '{"email":12}')
   end },
   { "soap", "malformed-xml", { [500] = true }, function()
      return wrk.format("POST", "/crm", {
         ["Content-Type"] = "text/xml; charset=utf-8",
         ["SOAPAction"] = '"urn:example:crm/GetAccount"',
         ["X-Ctk-Session"] = session,
      }, SOAP_OPEN .. "<broken")
   end },
   { "graphql", "unknown-field", { [400] = true }, function()
      return graphql('{"query":"{ nope }"}')
   end },
   { "rest", "unmatched", { [404] = true }, function()
      return rest("GET", "/no/such/path")
   end },
}

function init(args)
   session = (args[1] or "load") .. "-" .. thread_id
   budget = tonumber(args[2] or "10")
   math.randomseed(thread_id)
end

function request()
   for _ = 1, #steps do
      position = position % #steps + 1
      local step = steps[position]
      local made = step[4]()
      if made then
         current = step
         count(sent, step[1])
         return made
      end
   end
end

-- SOAP 1.1 sends every fault with HTTP 500, the client's (soap:Client) as the server's: the faultcode tells
-- them apart. A payments 503 in JSON is the configured fault; anything else 5xx is a server error.
local function kind(step, status, headers, body)
   if step[1] == "soap" and status == 500 and body:find(":Client</faultcode>", 1, true) then
      return "500-client-fault"
   end
   if step[1] == "rest" and status == 503 and (headers["content-type"] or ""):find("json", 1, true) then
      return "503-configured-fault"
   end
   return tostring(status)
end

function response(status, headers, body)
   local step = current
   if step == nil then
      return
   end
   current = nil
   local label = kind(step, status, headers, body)
   count(tally, step[1] .. " " .. label)
   if step[3][status] then
      if step[5] then
         step[5](body)
      end
   elseif label ~= "503-configured-fault" then
      count(unexpected, step[1] .. " " .. step[2] .. " " .. status)
   end
end

function done(summary, latency, requests)
   local out = {}
   local function line(text)
      table.insert(out, "CTK-LOAD " .. text)
   end
   line("requests " .. summary.requests)
   line("duration_us " .. summary.duration)
   local e = summary.errors
   line(string.format("errors connect=%d read=%d write=%d timeout=%d", e.connect, e.read, e.write, e.timeout))
   for _, p in ipairs({ 50, 99 }) do
      line(string.format("latency_p%d_us %d", p, latency:percentile(p)))
   end
   line("latency_max_us " .. latency.max)
   local totals = { tally = {}, unexpected = {}, sent = {} }
   for _, thread in ipairs(thread_list) do
      for name, total in pairs(totals) do
         for key, n in pairs(thread:get(name) or {}) do
            total[key] = (total[key] or 0) + n
         end
      end
   end
   for _, name in ipairs({ "sent", "tally", "unexpected" }) do
      local keys = {}
      for key in pairs(totals[name]) do
         table.insert(keys, key)
      end
      table.sort(keys)
      for _, key in ipairs(keys) do
         line(name .. " " .. key .. " " .. totals[name][key])
      end
   end
   io.write(table.concat(out, "\n") .. "\n")
end
