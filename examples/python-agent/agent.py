#!/usr/bin/env python3
"""calcbot: a 12-factor calculator agent on the official openai SDK.

It owns its prompt, its tools and its context window, and is a stateless reducer:
next_step(events) renders the whole conversation from the thread's events, asks the model
once, and returns the next intent. Two ways to run it:

  agent.py                      refold.next-step/v1: one JSON request per stdin line, one
                                JSON answer per stdout line (what `refold eval` runs)
  agent.py --ask TEXT [--thread ID]   production: runs its own loop with the real tools

The model is at OPENAI_BASE_URL (under `refold eval`, Refold's endpoint); PROMPT_VARIANT
chooses the prompt (baseline or terse).
"""
import json
import os
import sys

from openai import OpenAI

PROMPTS = {
    "baseline": (
        "You are calcbot, a careful calculator assistant. Read the conversation and choose "
        "the single next step with next_step. For one arithmetic operation set intent to add, "
        "subtract, multiply or divide and give its two numbers as a and b; take one operation "
        "at a time and use the result of the last one in the next. When the question is "
        "answered, set intent to done_for_now and tell the user the final number in message."),
    "terse": "Calculator. Pick next_step: add, subtract, multiply, divide (a, b) or done_for_now.",
}
OPERATIONS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
}
INTENTS = [*OPERATIONS, "done_for_now"]
# Tools are structured outputs (factor 4): one forced next_step tool whose arguments name the
# intent and carry every intent's parameters.
TOOLS = [{"type": "function", "function": {
    "name": "next_step", "description": "The single next step.",
    "parameters": {"type": "object", "required": ["intent", "a", "b", "message"], "properties": {
        "intent": {"type": "string", "enum": INTENTS},
        "a": {"type": "number"}, "b": {"type": "number"},
        # Printable, no quote or backslash, short: small models run on otherwise.
        "message": {"type": "string", "pattern": "^[ !#-\\[\\]-~]{0,48}$"}}}}}]
TOOL_CHOICE = {"type": "function", "function": {"name": "next_step"}}


def plain(value):
    """Integral floats as integers, so that 42.0 and 42 render alike wherever they came from."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def render(events):
    """The chat messages for a thread: this agent's own context window."""
    variant = os.environ.get("PROMPT_VARIANT", "baseline")
    messages = [{"role": "system", "content": PROMPTS[variant]}]
    calls = 0
    for index, event in enumerate(events):
        kind, data = event["type"], plain(event.get("data") or {})
        if kind == "user_input" and data.get("role") != "system":  # a proxy's copy of a prompt
            messages.append({"role": "user", "content": data["text"]})
        elif kind in OPERATIONS:
            calls += 1
            arguments = json.dumps({"intent": kind, **data}, sort_keys=True)
            # The call and its result in words too: chat templates that drop tool messages
            # (llama.cpp's chatml) still show the model what it did and got.
            later = [e for e in events[index + 1:] if e["type"] == kind + "_result"][:1]
            note = f"{kind}({data.get('a')}, {data.get('b')})"
            if later:
                note += " = " + json.dumps(plain(later[0]["data"]), sort_keys=True)
            messages.append({"role": "assistant", "content": note, "tool_calls": [{
                "id": f"call_{calls}", "type": "function",
                "function": {"name": "next_step", "arguments": arguments}}]})
        elif kind.endswith("_result") and kind[:-7] in OPERATIONS:
            content = json.dumps(data, sort_keys=True)
            messages.append({"role": "tool", "tool_call_id": f"call_{calls}", "content": content})
    return messages


def next_step(client, events, thread):
    """The next intent and its parameters, or raises ValueError when the answer is none."""
    response = client.chat.completions.create(
        model=os.environ.get("CALCBOT_MODEL", "smollm2-135m-instruct"),
        messages=render(events), tools=TOOLS, tool_choice=TOOL_CHOICE, temperature=0, seed=42,
        max_tokens=96,
        extra_headers={"X-Refold-Thread": thread})
    message = response.choices[0].message
    if message.tool_calls:
        call = message.tool_calls[0].function
        try:
            params = plain(json.loads(call.arguments))
        except json.JSONDecodeError as error:
            raise ValueError(f"the arguments of {call.name} are not JSON: {error}") from None
        intent = params.pop("intent", None) if isinstance(params, dict) else None
        if call.name != "next_step" or intent not in INTENTS:
            raise ValueError(f"{call.name}({call.arguments}) names no intent of calcbot")
        return intent, params
    if not message.content:
        raise ValueError("the model answered with neither a tool call nor text")
    return "done_for_now", {"message": message.content}


def run_tool(intent, params):
    """The real tool: the result a production run appends to its thread."""
    try:
        return {"result": plain(round(OPERATIONS[intent](params["a"], params["b"]), 6))}
    except (ArithmeticError, KeyError, TypeError) as error:
        return {"error": str(error)}


def serve(client):
    for line in sys.stdin:
        request = json.loads(line)
        try:
            intent, params = next_step(client, request["events"], request["thread"])
            answer = {"intent": intent, "params": params}
        except Exception as error:  # the model call failed, or its answer is no intent
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


def ask(client, text, thread, max_steps=4):
    events = [{"type": "user_input", "data": {"text": text}}]
    for _ in range(max_steps):
        intent, params = next_step(client, events, thread)
        events.append({"type": intent, "data": params})
        if intent == "done_for_now":
            return params["message"]
        events.append({"type": intent + "_result", "data": run_tool(intent, params)})
        print(f"{intent}({params}) -> {events[-1]['data']}", file=sys.stderr)
    return "I ran out of steps."


if __name__ == "__main__":
    client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", "unused"), max_retries=0)
    if len(sys.argv) >= 3 and sys.argv[1] == "--ask":
        thread = sys.argv[4] if len(sys.argv) >= 5 and sys.argv[3] == "--thread" else "calcbot"
        try:
            print(ask(client, sys.argv[2], thread))
        except ValueError as error:
            sys.exit(f"calcbot could not decide: {error}")
    else:
        serve(client)
