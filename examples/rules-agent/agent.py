#!/usr/bin/env python3
"""A deploy bot written as plain rules: no model, stdlib only.

Speaks refold.next-step/v1 on stdin/stdout: one JSON request per line in, one JSON answer
per line out. Run it under Refold with `refold eval examples/rules-agent`.
"""
import json
import os
import re
import sys

QUESTION = os.environ.get("CLARIFY_QUESTION", "Which service: backend or frontend?")


def next_step(events):
    first = events[0]["data"].get("text", "").lower()
    last = events[-1]
    environment = "production" if re.search(r"\bprod", first) else "staging"
    if last["type"] == "list_git_tags_result":
        return "deploy_backend", {"environment": environment, "tag": last["data"]["tags"][0]}
    if last["type"] == "deploy_backend_result":
        data = last["data"]
        return "done_for_now", {
            "message": f"Backend {data['tag']} is live on {data['environment']}."}
    if last["type"] == "check_deployment_status_result":
        data = last["data"]
        return "done_for_now", {
            "message": f"{data['environment'].capitalize()} {data['service']} "
            f"{data['tag']} is {data['status']}."}
    if last["type"] == "human_response":
        answer = last["data"].get("text", "").lower()
        service = "frontend" if "frontend" in answer else "backend"
        return "check_deployment_status", {"environment": "production", "service": service}
    if "deploy" in first or "ship" in first:
        tag = re.search(r"\bv\d+\.\d+\.\d+\b", first)
        if tag:
            return "deploy_backend", {"environment": environment, "tag": tag.group(0)}
        return "list_git_tags", {}
    if "up" in first or "status" in first:
        return "request_clarification", {"question": QUESTION}
    return None, None


for line in sys.stdin:
    request = json.loads(line)
    intent, params = next_step(request["events"])
    if intent is None:
        answer = {"error": "no rule matches this thread"}
    else:
        answer = {"intent": intent, "params": params}
    print(json.dumps(answer), flush=True)
