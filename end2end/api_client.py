#!/usr/bin/env python3
"""An integrator's client for Steward's Account API v2 and Event API, written against
Natero's documented API and nothing else: it speaks only HTTP (Python's standard library,
no Steward code). scripts/api-client-test.sh runs it against a fresh Steward.

What it does, as an integrator would:
  1. creates accounts in bulk, some records bad, and checks each bad one is reported;
  2. reads them back page by page (1000 per page) until a short page;
  3. updates one with PUT (with and without the {"data": ...} wrapper), deactivates one;
  4. pushes product users and contacts, one of them for an unknown account;
  5. sends usage events as gzip NDJSON, one line bad, and sees the line named;
  6. reads API Status and finds its calls with the right statuses.

Usage: api_client.py BASE_URL ACCOUNT_KEY EVENT_AUTH_KEY EVENT_API_KEY
Exits 0 when every check passed; otherwise prints what failed and exits 1.
"""
import base64
import gzip
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

failures = []


def check(condition, what):
    if condition:
        print(f"  ok   {what}")
    else:
        print(f"  FAIL {what}")
        failures.append(what)
    return condition


class Client:
    def __init__(self, base, account_key):
        self.base = base.rstrip("/")
        self.key = account_key

    def call(self, method, path, body=None, query=None, basic=False, raw=None, headers=None):
        query = dict(query or {})
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        if basic:
            token = base64.b64encode(f"api:{self.key}".encode()).decode()
            request_headers["Authorization"] = f"Basic {token}"
        else:
            query["api_key"] = self.key
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(url, data=data, method=method, headers=request_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"raw": text.decode(errors="replace")}


def account(i, run):
    return {
        "account_id": f"{run}-acct-{i:05d}",
        "name": f"Customer {i:05d}",
        "join_date": 1_600_000_000_000 + i * 86_400_000,
        "current_mrr": 100 + i,
        "tier": "Gold" if i % 2 else "Silver",
        "custom_label_dimensions": [{"key": "plan", "value": "pro"}],
        "custom_value_dimensions": [{"key": "seats", "value": i % 50}],
    }


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    base, account_key, auth_key, api_key = sys.argv[1:]
    client = Client(base, account_key)
    run = f"r{int(time.time())}"
    count = 2500

    print("1. bulk upsert of accounts with bad records")
    records = [account(i, run) for i in range(count)]
    bad = {
        7: ("join_date", None),  # missing required field on insert
        1234: ("join_date", "yesterday"),  # wrong type
        2001: ("name", None),
    }
    for index, (field, value) in bad.items():
        if value is None:
            del records[index][field]
        else:
            records[index][field] = value
    status, body = client.call("POST", "/api/v2/accounts", {"records": records})
    check(status == 200 and body.get("status_is_ok") is True, f"POST /accounts answers 200 status_is_ok (got {status})")
    failed = {f["record"]: f for f in body.get("failed_results", [])}
    check(set(failed) == set(bad), f"exactly the bad records are reported: {sorted(failed)}")
    for index, (field, _) in bad.items():
        f = failed.get(index, {})
        check(field in f.get("message", "") and f.get("account_id") == records[index]["account_id"],
              f"record {index} names '{field}' and its account_id: {f.get('message')!r}")

    print("2. read back page by page")
    seen, page = [], 0
    while True:
        status, body = client.call("GET", "/api/v2/accounts/", query={"page": page, "order_by": "account_id", "direction": "asc"})
        if not check(status == 200 and body.get("status_is_ok"), f"GET /accounts/ page {page}"):
            break
        results = body.get("results", [])
        check(body.get("current_page") == page and body.get("max_page_size") == 1000, f"page {page} envelope")
        seen.extend(r["account_id"] for r in results)
        if len(results) < body.get("max_page_size", 1000):
            break
        page += 1
    ours = [a for a in seen if a.startswith(run)]
    check(len(ours) == count - len(bad), f"{count - len(bad)} accounts read back over {page + 1} pages (got {len(ours)})")
    check(ours == sorted(ours), "ordered by account_id ascending")

    print("3. update, read one, deactivate")
    target = f"{run}-acct-00010"
    quoted = urllib.parse.quote(target, safe="")
    status, body = client.call("PUT", f"/api/v2/accounts/{quoted}", {"data": {"tier": "Platinum", "renewal_date": 1_900_000_000_000}})
    check(status == 200 and body.get("status_is_ok"), f"PUT with data wrapper ({status} {body.get('message')})")
    status, body = client.call("PUT", f"/api/v2/accounts/{quoted}", {"current_stage": "Onboarding"}, basic=True)
    check(status == 200 and body.get("status_is_ok"), "PUT bare object with HTTP Basic")
    status, body = client.call("GET", f"/api/v2/accounts/{quoted}")
    one = (body.get("results") or [{}])[0]
    check(one.get("tier") == "Platinum" and one.get("current_stage") == "Onboarding" and one.get("renewal_date") == 1_900_000_000_000,
          "GET one shows both updates")
    status, body = client.call("GET", f"/api/v2/accounts/{run.upper()}-ACCT-00010")
    check(status == 404 and body.get("status_is_ok") is False, "ids are case-sensitive (upper-case id not found)")
    status, body = client.call("DELETE", f"/api/v2/accounts/{quoted}")
    check(status == 200 and body.get("status_is_ok"), "DELETE deactivates")
    _, body = client.call("GET", "/api/v2/accounts", query={"page": 0, "order_by": "account_id"})
    listed = {r["account_id"] for r in body.get("results", [])}
    check(target not in listed, "a deactivated account is left out of the list")
    _, body = client.call("GET", "/api/v2/accounts", query={"page": 0, "order_by": "account_id", "include_inactive": "true"})
    listed = {r["account_id"]: r for r in body.get("results", [])}
    check(target in listed and listed[target].get("is_active") is False, "include_inactive=true shows it, inactive")

    print("4. product users and contacts")
    users = [
        {"user_id": f"u{i}", "account_id": f"{run}-acct-{i:05d}", "email": f"u{i}@customer.example", "first_name": "Pat"}
        for i in range(20)
    ]
    users.append({"user_id": "ghost", "account_id": f"{run}-no-such-account"})
    status, body = client.call("POST", "/api/v2/account_users", {"records": users})
    failed = body.get("failed_results", [])
    # Account 7 was one of the bad records above, so it was never created: its user fails too.
    check(status == 200 and body.get("status_is_ok") and [f["record"] for f in failed] == [7, 20],
          f"POST /account_users: the users of unknown accounts fail, alone ({failed})")
    check(failed and all(f.get("message") == "Account not found" for f in failed), "with 'Account not found'")
    status, body = client.call("GET", f"/api/v2/accounts/{run}-acct-00003/users")
    check(status == 200 and [u["user_id"] for u in body.get("results", [])] == ["u3"], "GET /accounts/{id}/users")
    contacts = [{"user_id": "c1", "account_id": f"{run}-acct-00003", "email": "c1@customer.example", "is_primary": True}]
    status, body = client.call("POST", "/api/v2/account_contacts", {"records": contacts})
    check(status == 200 and body.get("status_is_ok") and not body.get("failed_results"), "POST /account_contacts")

    print("5. usage events, gzip NDJSON, one bad line")
    now = int(time.time() * 1000)
    lines = [
        json.dumps({"action": "feature", "account_id": f"{run}-acct-00003", "user_id": "u3", "session_id": "s1",
                    "created_at": now - 60_000 + i, "module": "Reports", "feature": "Create report", "total": 1})
        for i in range(50)
    ]
    lines.insert(10, json.dumps({"action": "feature", "account_id": f"{run}-acct-00003", "user_id": "u3"}))  # no created_at
    events_url = f"/v1/{auth_key}/{api_key}"
    raw = gzip.compress("\n".join(lines).encode())
    status, body = post_events(base, events_url, raw, gzipped=True)
    check(status == 200 and body.get("status_is_ok") is True, f"events accepted ({status} {body.get('message')})")
    lines_failed = [f.get("line") for f in body.get("failed_results", [])]
    check(lines_failed == [11], f"the bad event's line (11) is named: {lines_failed}")
    status, body = post_events(base, events_url, json.dumps([json.loads(lines[0])]).encode())
    check(status == 400 and "array" in body.get("message", ""), "a JSON array is refused, saying so")
    status, body = post_events(base, f"/v1/{auth_key}/wrong", b"{}")
    check(status == 401, "a wrong event key gets 401")

    print("6. API Status")
    status, body = client.call("GET", "/api/v2/api_status")
    calls = body.get("results", [])
    check(status == 200 and body.get("status_is_ok"), "GET /api/v2/api_status")
    by_path = [(c.get("method"), c.get("path", ""), c.get("status")) for c in calls]
    check(any(m == "POST" and p.startswith("/api/v2/accounts") and s == "Partial" for m, p, s in by_path),
          "the bulk POST with bad records is Partial")
    check(any(p.startswith("/v1/") and s == "Partial" for _, p, s in by_path), "the event call with a bad line is Partial")
    check(all(account_key not in json.dumps(c) and auth_key not in json.dumps(c) for c in calls), "no key appears in API Status")

    print()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


def post_events(base, path, raw, gzipped=False):
    headers = {"Content-Type": "application/json"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(base.rstrip("/") + path, data=raw, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"raw": text.decode(errors="replace")}


if __name__ == "__main__":
    sys.exit(main())
