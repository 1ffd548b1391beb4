#!/usr/bin/env python3
"""A 12-factor calculator agent that calls its model through the official SDKs.

It owns its prompt and its context window: every request is rendered from the thread's
events alone, so the same thread gives the same request in production and under Refold.

    agent.py                     refold.next-step/v1 on stdin and stdout (refold eval)
    agent.py run THREAD TEXT     production: its own loop, tools run here, calls tagged
                                 with X-Refold-Thread (recorded through `refold proxy`)

CALC_PROVIDER=anthropic uses the anthropic SDK (ANTHROPIC_BASE_URL), else the openai SDK
(OPENAI_BASE_URL). Both read the API key from the environment, as in production.
"""
import json
import os
import sys

PROMPT = "You are a careful calculator. Use one tool per step, then state the result."
MODEL = "calc-model"
TOOLS = {
    "multiply": lambda a, b: {"value": a * b},
    "add": lambda a, b: {"value": a + b},
}
SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    "required": ["a", "b"],
}
PROVIDER = os.environ.get("CALC_PROVIDER", "openai")


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def openai_messages(events):
    messages = [{"role": "system", "content": PROMPT}]
    calls = 0
    for event in events:
        kind, data = event["type"], event["data"]
        if kind == "user_input":
            if data.get("role") != "system":
                messages.append({"role": "user", "content": data["text"]})
        elif kind.endswith("_result"):
            messages.append(
                {"role": "tool", "tool_call_id": f"call_{calls - 1}", "content": canonical(data)})
        elif kind in TOOLS:
            messages.append({
                "role": "assistant", "content": None,
                "tool_calls": [{"id": f"call_{calls}", "type": "function",
                                "function": {"name": kind, "arguments": canonical(data)}}],
            })
            calls += 1
    return messages


def anthropic_messages(events):
    messages = []
    calls = 0
    for event in events:
        kind, data = event["type"], event["data"]
        if kind == "user_input":
            if data.get("role") != "system":
                messages.append({"role": "user", "content": data["text"]})
        elif kind.endswith("_result"):
            messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": f"toolu_{calls - 1}",
                 "content": canonical(data)}]})
        elif kind in TOOLS:
            messages.append({"role": "assistant", "content": [
                {"type": "tool_use", "id": f"toolu_{calls}", "name": kind, "input": data}]})
            calls += 1
    return messages


def next_step(client, events, thread):
    """The model's next step for the thread so far: (intent, params)."""
    headers = {"X-Refold-Thread": thread} if thread else {}
    if PROVIDER == "anthropic":
        message = client.messages.create(
            model=MODEL, max_tokens=256, system=PROMPT, messages=anthropic_messages(events),
            tools=[{"name": name, "description": f"{name} two numbers", "input_schema": SCHEMA}
                   for name in TOOLS],
            extra_headers=headers)
        for block in message.content:
            if block.type == "tool_use":
                return block.name, dict(block.input)
        return "done_for_now", {"message": "".join(
            block.text for block in message.content if block.type == "text")}
    completion = client.chat.completions.create(
        model=MODEL, temperature=0, messages=openai_messages(events),
        tools=[{"type": "function", "function": {
            "name": name, "description": f"{name} two numbers", "parameters": SCHEMA}}
            for name in TOOLS],
        extra_headers=headers)
    message = completion.choices[0].message
    if message.tool_calls:
        call = message.tool_calls[0]
        return call.function.name, json.loads(call.function.arguments)
    return "done_for_now", {"message": message.content or ""}


def client():
    if PROVIDER == "anthropic":
        from anthropic import Anthropic
        return Anthropic()
    from openai import OpenAI
    return OpenAI()


def production(thread, text):
    model = client()
    events = [{"type": "user_input", "data": {"text": text}}]
    while True:
        intent, params = next_step(model, events, thread)
        events.append({"type": intent, "data": params})
        if intent not in TOOLS:
            print(canonical(events))
            return
        events.append({"type": intent + "_result", "data": TOOLS[intent](**params)})


def serve():
    model = client()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            intent, params = next_step(model, request["events"], None)
            answer = {"intent": intent, "params": params}
        except Exception as error:  # the SDK's error: the endpoint's message
            print(f"model call failed: {error}", file=sys.stderr, flush=True)
            answer = {"error": str(error)[:200]}
        print(canonical(answer), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        production(sys.argv[2], sys.argv[3])
    else:
        serve()
