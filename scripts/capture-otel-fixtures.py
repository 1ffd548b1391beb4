#!/usr/bin/env python3
"""Captures the OTLP JSON fixtures of fixtures/otel/ from the real GenAI instrumentations.

Usage: capture-otel-fixtures.py INSTRUMENTATION OUT_DIR

INSTRUMENTATION is one of:
  openai-v2         opentelemetry-instrumentation-openai-v2 on the latest GenAI conventions
                    (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, content in
                    `gen_ai.client.inference.operation.details` log records only); writes
                    traces.json and logs.json
  openai-v2-legacy  the same package on its default v1.30.0 conventions (content in
                    `gen_ai.user.message`, `gen_ai.choice`, … log records); writes
                    export.json holding both resourceSpans and resourceLogs
  traceloop         Traceloop's opentelemetry-instrumentation-openai (content in span
                    attributes); writes traces.json
  traceloop-events  the same package with use_attributes=False (content in
                    `gen_ai.*.message` and `gen_ai.choice` log records); writes export.json
                    holding both resourceSpans and resourceLogs

The official `openai` SDK talks to a scripted fake OpenAI server on 127.0.0.1; the SDK's
own OTLP/HTTP exporters send to a receiver on 127.0.0.1 that turns each protobuf export
request into OTLP JSON with google.protobuf.json_format (ids as hex, enums as integers, as
the OTLP/HTTP JSON encoding has them). No network beyond 127.0.0.1.

The conversations, the same for every instrumentation:
  1. a two-turn tool loop without a parent span: list_git_tags, deploy_backend, a text
     answer; then a second user turn, check_deployment_status, a text answer;
  2. one request made twice, identically, each without a parent span;
  3. a short conversation inside the application's own `invoke_agent` span (for openai-v2
     also with a gen_ai.conversation.id from opentelemetry-util-genai's context).

scripts/capture-otel-fixtures.sh makes the pinned venvs and runs this for each.
"""

import base64
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INSTRUMENTATION = sys.argv[1] if len(sys.argv) > 1 else ""
OUT_DIR = sys.argv[2] if len(sys.argv) > 2 else ""
if INSTRUMENTATION not in (
        "openai-v2", "openai-v2-legacy", "traceloop", "traceloop-events") or not OUT_DIR:
    sys.exit(__doc__)

# Environment the instrumentations read at import time.
if INSTRUMENTATION == "openai-v2":
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "event_only"
    os.environ["OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT"] = "true"
elif INSTRUMENTATION == "openai-v2-legacy":
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true"
else:
    os.environ["TRACELOOP_TRACE_CONTENT"] = "true"
os.environ["OTEL_SERVICE_NAME"] = "deploybot"

TOOLS = [
    {"type": "function", "function": {
        "name": "list_git_tags", "description": "Lists the release tags of a repository.",
        "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {
        "name": "deploy_backend", "description": "Deploys a backend tag to an environment.",
        "parameters": {"type": "object", "properties": {
            "tag": {"type": "string"}, "environment": {"type": "string"}},
            "required": ["tag", "environment"]}}},
    {"type": "function", "function": {
        "name": "check_deployment_status", "description": "What runs where.",
        "parameters": {"type": "object", "properties": {
            "service": {"type": "string"}, "environment": {"type": "string"}}}}},
    {"type": "function", "function": {
        "name": "request_clarification", "description": "Asks the user a question.",
        "parameters": {"type": "object", "properties": {"question": {"type": "string"}}}}},
]

TOOL_RESULTS = {
    "list_git_tags": {"tags": ["v1.4.2", "v1.4.1"]},
    "deploy_backend": {"status": "deployed", "tag": "v1.4.2"},
    "check_deployment_status": {"status": "healthy", "tag": "v1.4.1"},
}


def scripted_answer(messages):
    """The fake model: the next step of each conversation, from the last message."""
    last = messages[-1]
    if last["role"] == "user":
        text = last["content"]
        if "deploy latest backend" in text:
            return ("call", "list_git_tags", {})
        if "production" in text:
            return ("call", "check_deployment_status",
                    {"service": "backend", "environment": "production"})
        if "roll back" in text:
            return ("call", "request_clarification", {"question": "Which environment?"})
        return ("text", "Hello, on-call engineer.")
    if last["role"] == "tool":
        called = next(
            call["function"]["name"]
            for message in reversed(messages) if message["role"] == "assistant"
            for call in message.get("tool_calls") or [] if call["id"] == last["tool_call_id"])
        if called == "list_git_tags":
            return ("call", "deploy_backend", {"tag": "v1.4.2", "environment": "staging"})
        if called == "deploy_backend":
            return ("text", "Deployed backend v1.4.2 to staging.")
        if called == "check_deployment_status":
            return ("text", "Backend v1.4.1 is healthy on production.")
    return ("text", "I cannot help with that.")


class FakeOpenAI(BaseHTTPRequestHandler):
    counter = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeOpenAI.counter += 1
        number = FakeOpenAI.counter
        kind, first, second = (*scripted_answer(body["messages"]), None)[:3]
        if kind == "call":
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{number:03d}", "type": "function",
                "function": {"name": first, "arguments": json.dumps(second)}}]}
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": first}
            finish = "stop"
        prompt = sum(len(json.dumps(m)) for m in body["messages"]) // 4
        answer = {
            "id": f"chatcmpl-{number:03d}", "object": "chat.completion",
            "created": 1763632800 + number, "model": body["model"] + "-2024-07-18",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 9 + number,
                      "total_tokens": prompt + 9 + number},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def hex_ids(value):
    """OTLP JSON writes trace and span ids as hex, not as protobuf JSON's base64."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(item, str):
                value[key] = base64.b64decode(item).hex()
            else:
                hex_ids(item)
    elif isinstance(value, list):
        for item in value:
            hex_ids(item)
    return value


class Receiver(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: protobuf export requests in, OTLP JSON kept."""

    spans = []
    logs = []

    def do_POST(self):
        from google.protobuf.json_format import MessageToDict
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceRequest)
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest)

        body = self.rfile.read(int(self.headers["content-length"]))
        if self.path == "/v1/traces":
            request = ExportTraceServiceRequest.FromString(body)
            Receiver.spans += MessageToDict(request, use_integers_for_enums=True).get(
                "resourceSpans", [])
        elif self.path == "/v1/logs":
            request = ExportLogsServiceRequest.FromString(body)
            Receiver.logs += MessageToDict(request, use_integers_for_enums=True).get(
                "resourceLogs", [])
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    model_server = serve(FakeOpenAI)
    receiver = serve(Receiver)
    base = f"http://127.0.0.1:{receiver.server_address[1]}"

    from opentelemetry import _logs, trace
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=base + "/v1/traces")))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=base + "/v1/logs")))
    _logs.set_logger_provider(logger_provider)
    if INSTRUMENTATION.startswith("traceloop"):
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor(use_attributes=INSTRUMENTATION == "traceloop")
    else:
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, logger_provider=logger_provider)

    import openai

    client = openai.OpenAI(
        base_url=f"http://127.0.0.1:{model_server.server_address[1]}/v1",
        api_key="sk-capture", max_retries=0)

    def run_turn(messages):
        """Calls the model until it answers in text, running the scripted tools."""
        while True:
            completion = client.chat.completions.create(
                model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0)
            message = completion.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                return messages
            for call in message.tool_calls:
                if call.function.name not in TOOL_RESULTS:
                    return messages
                messages.append({
                    "role": "tool", "tool_call_id": call.id,
                    "content": json.dumps(TOOL_RESULTS[call.function.name])})

    # 1. Two turns of a tool loop, no parent span.
    loop = [
        {"role": "system", "content": "You are deploybot."},
        {"role": "user", "content": "deploy latest backend to staging"},
    ]
    run_turn(loop)
    loop.append({"role": "user", "content": "what runs in production?"})
    run_turn(loop)

    # 2. The same request twice.
    for _ in range(2):
        client.chat.completions.create(
            model="gpt-4o-mini", temperature=0,
            messages=[{"role": "user", "content": "say hello to the on-call engineer"}])

    # 3. Inside the application's own agent span: for openai-v2 an agent invocation of
    # opentelemetry-util-genai carrying gen_ai.conversation.id, else a plain span.
    rollback = [{"role": "user", "content": "roll back the frontend"}]
    if INSTRUMENTATION == "openai-v2":
        from opentelemetry.util.genai.handler import get_telemetry_handler

        handler = get_telemetry_handler(
            tracer_provider=tracer_provider, logger_provider=logger_provider)
        with handler.invoke_local_agent(
                agent_name="deploybot", request_model="gpt-4o-mini") as agent:
            agent.conversation_id = "conv-rollback-7"
            run_turn(rollback)
    else:
        with trace.get_tracer("deploybot").start_as_current_span("invoke_agent deploybot"):
            run_turn(rollback)

    tracer_provider.force_flush()
    logger_provider.force_flush()
    tracer_provider.shutdown()
    logger_provider.shutdown()
    model_server.shutdown()
    receiver.shutdown()

    os.makedirs(OUT_DIR, exist_ok=True)

    def write(name, document):
        with open(os.path.join(OUT_DIR, name), "w") as handle:
            json.dump(hex_ids(document), handle, indent=1, sort_keys=True)
            handle.write("\n")

    if INSTRUMENTATION == "openai-v2":
        write("traces.json", {"resourceSpans": Receiver.spans})
        write("logs.json", {"resourceLogs": Receiver.logs})
    elif INSTRUMENTATION in ("openai-v2-legacy", "traceloop-events"):
        write("export.json", {"resourceSpans": Receiver.spans, "resourceLogs": Receiver.logs})
    else:
        write("traces.json", {"resourceSpans": Receiver.spans})
    spans = sum(len(scope.get("spans", [])) for resource in Receiver.spans
                for scope in resource.get("scopeSpans", []))
    logs = sum(len(scope.get("logRecords", [])) for resource in Receiver.logs
               for scope in resource.get("scopeLogs", []))
    print(f"{INSTRUMENTATION}: {spans} spans, {logs} log records -> {OUT_DIR}")


if __name__ == "__main__":
    main()
