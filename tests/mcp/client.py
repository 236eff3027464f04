"""Drives `syncro mcp` with the official MCP Python SDK, an independent
client: lists the tools, searches, reads a ticket and the labor map, checks
that a tool error and a refused bill come back as `isError` results, queues
a comment and waits until syncrod has verified it; then (mode auto) walks
the billing workflow (search, last comments, dry run, bill, wait, the
invoice read back, a refresh of the ticket) and creates a ticket, comments
on it by `@ID` before it exists and reads it back by that id.

Run by tests/tests/e2e/mcp.rs, which starts the simulator and syncrod, and then
checks that the simulator holds the comment exactly once. Prints a JSON
summary on stdout; any failed check raises (exit 1, traceback on stderr).

    client.py --syncro PATH --config FILE --mode auto|legacy \
              --number N --query WORDS --body TEXT [--hidden]
"""

import argparse
import asyncio
import json
import sys

try:
    from mcp import Client, StdioServerParameters
except ImportError as e:  # pragma: no cover - the environment is wrong
    print(
        f"the MCP Python SDK is not importable from {sys.executable} ({e}): "
        "the test makes its own venv (tests/tests/e2e/mcp.rs); else pip install mcp==2.3.0",
        file=sys.stderr,
    )
    sys.exit(3)

READS = {
    "list_tickets",
    "get_ticket",
    "search_tickets",
    "list_customers",
    "get_customer",
    "list_invoices",
    "get_invoice",
    "list_labor_types",
    "sync_status",
    "list_outbox",
    "get_session_log",
}
WRITES = {
    "queue_comment",
    "queue_ticket_update",
    "queue_ticket_create",
    "queue_bill",
    "queue_line_item",
    "queue_timer",
    "queue_invoice",
    "cancel_write",
    "release_write",
    "retry_write",
    "wait_for_write",
    "request_sync",
}


def server(args, *extra):
    # The child gets only this environment (plus the SDK's safe defaults):
    # no API key, which syncro mcp never needs.
    return StdioServerParameters(
        command=args.syncro,
        args=["mcp", *extra],
        env={"SYNCRO_CONFIG": args.config, "NO_COLOR": "1"},
    )


def text(result):
    return result.content[0].text if result.content else ""


async def ok(client, tool, arguments):
    """A call that must succeed; its structured output (which the SDK has
    already validated against the tool's outputSchema)."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool} {arguments}: {text(result)}"
    assert result.structured_content is not None, f"{tool}: no structured content"
    return result.structured_content


async def refused(client, tool, arguments):
    """A call that must come back as a tool error (not an exception)."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} {arguments} should fail: {result}"
    return text(result)


async def billing(client, args):
    """The billing workflow as an agent walks it: find the ticket, read its
    last comments, dry-run the bill (the technician sees the total), queue
    it, wait, and read the invoice back."""
    found = await ok(client, "search_tickets", {"query": args.query})
    assert args.number in [t["number"] for t in found["tickets"]], found
    ticket = await ok(client, "get_ticket", {"number": args.number, "comments": 3})
    assert len(ticket["comments"]) <= 3, ticket
    bill = {"number": args.number, "minutes": 45, "labor": "remote",
            "comment": "Replaced the fuser unit", "hidden": True}
    dry = await ok(client, "queue_bill", {**bill, "dry_run": True})
    assert dry["dry_run"] is True and "id" not in dry, dry
    assert "0.75 h x $125.00/h = $93.75" in dry["preview"], dry
    queued = await ok(client, "queue_bill", bill)
    assert len(queued["ids"]) == 4, queued
    waited = await ok(client, "wait_for_write", {"id": queued["id"], "timeout_secs": 100})
    assert waited["outcome"] == "verified", waited
    invoices = await ok(client, "list_invoices", {"number": args.number})
    assert invoices["invoices"], invoices
    invoice = await ok(client, "get_invoice", {"invoice": invoices["invoices"][0]["number"]})
    items = [line.get("item") for line in invoice["line_items"]]
    assert "Labor - Remote" in items, invoice
    # Refresh the ticket now: its newest comment is the bill's.
    synced = await ok(client, "request_sync", {"number": args.number, "timeout_secs": 60})
    assert synced["refreshed"] is True and synced["as_of"], synced
    newest = await ok(client, "get_ticket", {"number": args.number, "comments": 1})
    assert len(newest["comments"]) == 1, newest
    assert "Replaced the fuser unit" in newest["comments"][0]["body"], newest
    return {"invoice": invoice["number"], "preview": dry["preview"], "synced": synced["message"]}


async def create_and_comment(client, args):
    """A ticket created and commented on before it has a number (`@ID`)."""
    created = await ok(client, "queue_ticket_create", {
        "customer": args.customer, "subject": "Scanner jams on page two",
        "body": "The reception scanner jams on every second page"})
    comment = await ok(client, "queue_comment", {
        "number": f"@{created['id']}", "body": "Cleaned the rollers", "hidden": True})
    assert comment["target"] == f"@{created['id']}", comment
    for write in (created, comment):
        waited = await ok(client, "wait_for_write", {"id": write["id"], "timeout_secs": 100})
        assert waited["outcome"] == "verified", waited
    waited = await ok(client, "wait_for_write", {"id": created["id"], "timeout_secs": 1})
    number = waited["items"][0]["number"]
    # Read back by the id it was queued as; a whole refresh, waited for.
    ticket = await ok(client, "get_ticket", {"number": f"@{created['id']}"})
    assert ticket["number"] == number, ticket
    synced = await ok(client, "request_sync", {"timeout_secs": 90})
    assert synced["refreshed"] is True, synced
    return number


async def run(args):
    summary = {"mode": args.mode}
    async with Client(server(args), mode=args.mode) as client:
        summary["protocol_version"] = client.protocol_version

        tools = (await client.list_tools()).tools
        names = {t.name for t in tools}
        assert names == READS | WRITES, f"tools: {sorted(names)}"
        for t in tools:
            assert t.output_schema is not None, f"{t.name}: no outputSchema"
            # Hints are sent only where they differ from MCP's defaults
            # (not read-only, destructive).
            read_only = bool(t.annotations and t.annotations.read_only_hint)
            assert read_only == (t.name in READS), f"{t.name}: readOnlyHint {read_only}"
            if t.name in WRITES:
                destructive = t.annotations.destructive_hint is not False
                assert destructive == (t.name == "cancel_write"), f"{t.name}: destructiveHint {destructive}"
        summary["tools"] = sorted(names)

        found = await ok(client, "search_tickets", {"query": args.query, "limit": 50})
        numbers = [t["number"] for t in found["tickets"]]
        assert args.number in numbers, f"search {args.query!r} found {numbers}"
        assert found["as_of"] is not None, found
        summary["search"] = numbers

        # Pages: the cursor as it came brings the next rows; one made up is
        # a tool error.
        first = await ok(client, "list_tickets", {"all": True, "limit": 2})
        assert first.get("next_cursor"), first
        second = await ok(client, "list_tickets", {"all": True, "limit": 2, "cursor": first["next_cursor"]})
        seen = [t["number"] for t in first["tickets"]]
        assert not set(seen) & {t["number"] for t in second["tickets"]}, (first, second)
        summary["bad_cursor"] = await refused(client, "list_tickets", {"all": True, "cursor": "2"})

        ticket = await ok(client, "get_ticket", {"number": args.number})
        assert ticket["number"] == args.number, ticket
        assert ticket["as_of"] is not None and ticket["comments_total"] >= len(ticket["comments"]), ticket
        summary["ticket"] = {
            "as_of": ticket["as_of"],
            "stale": ticket["stale"],
            "daemon_running": ticket["daemon_running"],
            "comments": len(ticket["comments"]),
        }

        # The labor types of the config, checked against the mirrored products.
        labor = await ok(client, "list_labor_types", {})
        assert labor["products_mirrored"] is True, labor
        summary["labor"] = {
            "problems": labor["problems"],
            "checks": {t["labor"]: t["check"] for t in labor["labor_types"]},
        }

        # Failures the model can act on: results with isError, not crashes.
        summary["unknown_ticket"] = await refused(client, "get_ticket", {"number": 999999})
        summary["bill_without_minutes"] = await refused(
            client, "queue_bill", {"number": args.number, "labor": "remote"}
        )

        queued = await ok(
            client,
            "queue_comment",
            {"number": args.number, "body": args.body, "hidden": args.hidden},
        )
        assert queued["state"] == "queued", queued
        assert args.body in queued["preview"], queued
        assert "send_after" not in queued, f"no undo window expected: {queued}"
        summary["queued"] = {"id": queued["id"], "preview": queued["preview"]}

        waited = await ok(client, "wait_for_write", {"id": queued["id"], "timeout_secs": 60})
        assert waited["outcome"] == "verified", waited
        summary["wait"] = {"outcome": waited["outcome"], "message": waited["message"]}

        if args.mode == "auto":
            summary["billing"] = await billing(client, args)
            summary["created"] = await create_and_comment(client, args)

    if args.mode == "auto":
        # --read-only lists the reads alone.
        async with Client(server(args, "--read-only"), mode=args.mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == READS, f"--read-only lists {sorted(names)}"
            summary["read_only_tools"] = sorted(names)

    json.dump(summary, sys.stdout)
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--syncro", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--mode", choices=["auto", "legacy"], required=True)
    p.add_argument("--number", type=int, required=True)
    p.add_argument("--query", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--hidden", action="store_true")
    p.add_argument("--customer", required=True, help="a customer id for the ticket create")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
