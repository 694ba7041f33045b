// anthropic_stream.cpp — AnthropicProtocol::RenderStream: MessageStreamEvents over SSE.
#include <algorithm>
#include <string>

#include "anthropic_protocol.h"
#include "json_text.h"
#include "request_json.h"
#include "text_pieces.h"

namespace prsm::testing::fake {
namespace {

// One SSE event: the `event:` line names the type the data's "type" repeats.
void AppendEvent(std::string_view type, std::string_view data, std::string* out) {
  out->append("event: ");
  out->append(type);
  out->append("\ndata: ");
  out->append(data);
  out->append("\n\n");
}

void AppendBlockStop(std::size_t index, std::string* out) {
  AppendEvent("content_block_stop",
              R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}", out);
}

void AppendBlockDelta(std::size_t index, std::string_view delta_type, std::string_view field,
                      std::string_view value, std::string* out) {
  std::string data = R"({"type":"content_block_delta","index":)";
  data.append(std::to_string(index));
  data.append(R"(,"delta":{"type":")");
  data.append(delta_type);
  data.append(R"(",")");
  data.append(field);
  data.append(R"(":)");
  AppendJsonString(value, &data);
  data.append("}}");
  AppendEvent("content_block_delta", data, out);
}

}  // namespace

RenderedStream AnthropicProtocol::RenderStream(
    const Completion& completion, const std::vector<std::string_view>& text_pieces) const {
  const ModelScript& script = *completion.script;
  RenderedStream stream;

  std::string data = R"({"type":"message_start","message":{"id":"msg_)";
  data.append(std::to_string(completion.seq));
  data.append(R"(","type":"message","role":"assistant","model":)");
  AppendJsonString(completion.model, &data);
  data.append(R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{)");
  // Like Anthropic, message_start reports the input and a token or so of output; the final
  // count comes with message_delta.
  AppendAnthropicUsage(script, std::min<std::int64_t>(1, script.completion_tokens),
                       /*full=*/true, &data);
  data.append("}}}");
  AppendEvent("message_start", data, &stream.preamble);

  std::size_t block = 0;  // The index of the next content block.
  bool open = false;      // Block `block - 1` is open.
  if (!text_pieces.empty()) {
    AppendEvent("content_block_start",
                R"({"type":"content_block_start","index":0,)"
                R"("content_block":{"type":"text","text":"","citations":null}})",
                &stream.preamble);
    block = 1;
    open = true;
  }
  AppendEvent("ping", R"({"type": "ping"})", &stream.preamble);

  for (const std::string_view piece : text_pieces) {
    std::string chunk;
    AppendBlockDelta(0, "text_delta", "text", piece, &chunk);
    stream.chunks.push_back(std::move(chunk));
  }
  for (std::size_t i = 0; i < script.tool_calls.size(); ++i) {
    std::string chunk;
    if (open) AppendBlockStop(block - 1, &chunk);
    data.assign(R"({"type":"content_block_start","index":)");
    data.append(std::to_string(block));
    data.append(R"(,"content_block":{"type":"tool_use","id":)");
    AppendAnthropicToolUseId(completion.seq, i, &data);
    data.append(R"(,"name":)");
    AppendJsonString(script.tool_calls[i].name, &data);
    data.append(R"(,"input":{}}})");
    AppendEvent("content_block_start", data, &chunk);
    stream.chunks.push_back(std::move(chunk));
    for (const std::string_view fragment :
         SplitArguments(ToolArgumentsObject(script.tool_calls[i]))) {
      chunk.clear();
      AppendBlockDelta(block, "input_json_delta", "partial_json", fragment, &chunk);
      stream.chunks.push_back(std::move(chunk));
    }
    ++block;
    open = true;
  }

  if (open) AppendBlockStop(block - 1, &stream.epilogue);
  data.assign(R"({"type":"message_delta","delta":{"stop_reason":)");
  AppendJsonString(AnthropicStopReason(script.finish_reason), &data);
  data.append(R"(,"stop_sequence":null},"usage":{)");
  AppendAnthropicUsage(script, script.completion_tokens, /*full=*/false, &data);
  data.append("}}");
  AppendEvent("message_delta", data, &stream.epilogue);
  AppendEvent("message_stop", R"({"type":"message_stop"})", &stream.epilogue);
  return stream;
}

}  // namespace prsm::testing::fake
