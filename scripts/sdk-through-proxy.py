#!/usr/bin/env python3
"""Drives `refold proxy` with the official OpenAI and Anthropic Python SDKs.

Usage: sdk-through-proxy.py SCENARIO PROXY_URL THREAD

Scenarios:
  openai-loop      a tool loop with openai's chat.completions: the model's tool calls are
                   answered with scripted results until it answers in text; then a
                   streaming request, which the proxy refuses
  anthropic-loop   the same loop with anthropic's messages.create
  openai-timeout   one request with a 0.5 s client timeout and no retries

Prints one JSON object per line: what the client saw (answers, headers, errors), so that
the calling test can compare it with what the proxy recorded. No network beyond PROXY_URL.
"""

import json
import sys

RESULTS = {
    "list_git_tags": {"tags": ["v1.4.2", "v1.4.1"]},
    "deploy_backend": {"status": "deployed"},
}


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


def openai_loop(proxy, thread):
    import openai

    client = openai.OpenAI(
        base_url=proxy + "/v1", api_key="sk-sdk-test", max_retries=0,
        default_headers={"X-Refold-Thread": thread})
    tools = [
        {"type": "function", "function": {
            "name": "list_git_tags", "parameters": {"type": "object", "properties": {}}}},
        {"type": "function", "function": {
            "name": "deploy_backend", "parameters": {
                "type": "object",
                "properties": {"tag": {"type": "string"}, "environment": {"type": "string"}}}}},
    ]
    messages = [
        {"role": "system", "content": "You are deploybot."},
        {"role": "user", "content": "ship the latest backend to staging"},
    ]
    for _ in range(5):
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=messages, tools=tools)
        completion = raw.parse()
        message = completion.choices[0].message
        emit(kind="answer", request_id=raw.headers.get("x-request-id"),
             retry_after=raw.headers.get("retry-after"),
             tool_calls=[call.function.name for call in message.tool_calls or []],
             text=message.content)
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            messages.append({
                "role": "tool", "tool_call_id": call.id,
                "content": json.dumps(RESULTS[call.function.name])})
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=tools, stream=True)
        emit(kind="streamed")
    except openai.APIStatusError as error:
        emit(kind="stream_refused", status=error.status_code, message=str(error))


def anthropic_loop(proxy, thread):
    import anthropic

    client = anthropic.Anthropic(
        base_url=proxy, api_key="sk-ant-sdk-test", max_retries=0,
        default_headers={"X-Refold-Thread": thread})
    tools = [
        {"name": "list_git_tags", "input_schema": {"type": "object", "properties": {}}},
        {"name": "deploy_backend", "input_schema": {
            "type": "object",
            "properties": {"tag": {"type": "string"}, "environment": {"type": "string"}}}},
    ]
    messages = [{"role": "user", "content": "ship the latest backend to staging"}]
    for _ in range(5):
        raw = client.messages.with_raw_response.create(
            model="claude-sonnet-4-5", max_tokens=512, system="You are deploybot.",
            messages=messages, tools=tools)
        message = raw.parse()
        uses = [block for block in message.content if block.type == "tool_use"]
        emit(kind="answer", request_id=raw.headers.get("request-id"),
             tool_calls=[use.name for use in uses],
             text="".join(block.text for block in message.content if block.type == "text"))
        if not uses:
            break
        messages.append({
            "role": "assistant",
            "content": [block.model_dump(exclude_none=True) for block in message.content]})
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": use.id,
             "content": json.dumps(RESULTS[use.name])} for use in uses]})
    try:
        client.messages.create(
            model="claude-sonnet-4-5", max_tokens=512, messages=messages, stream=True)
        emit(kind="streamed")
    except anthropic.APIStatusError as error:
        emit(kind="stream_refused", status=error.status_code, message=str(error),
             body_type=(error.body or {}).get("type"))


def openai_timeout(proxy, thread):
    import openai

    client = openai.OpenAI(
        base_url=proxy + "/v1", api_key="sk-sdk-test", max_retries=0, timeout=0.5,
        default_headers={"X-Refold-Thread": thread})
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "ship it"}],
            tools=[{"type": "function", "function": {
                "name": "list_git_tags", "parameters": {"type": "object", "properties": {}}}}])
        emit(kind="answered")
    except openai.APITimeoutError:
        emit(kind="timed_out")


SCENARIOS = {
    "openai-loop": openai_loop,
    "anthropic-loop": anthropic_loop,
    "openai-timeout": openai_timeout,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        sys.exit(__doc__)
    SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3])
