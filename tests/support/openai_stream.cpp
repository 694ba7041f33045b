// openai_stream.cpp — OpenAiProtocol::RenderStream: chat.completion.chunk events over SSE.
#include <string>

#include "json_text.h"
#include "openai_protocol.h"
#include "text_pieces.h"

namespace prsm::testing::fake {
namespace {

// Writes the SSE events of one stream. Every chunk repeats id, created and model, as OpenAI's
// do; with include_usage each carries "usage":null except the final usage chunk.
class ChunkWriter {
 public:
  explicit ChunkWriter(const Completion& completion) : completion_(completion) {
    prefix_.append(R"(data: {"id":"chatcmpl-)");
    prefix_.append(std::to_string(completion.seq));
    prefix_.append(R"(","object":"chat.completion.chunk","created":)");
    prefix_.append(std::to_string(completion.created));
    prefix_.append(R"(,"model":)");
    AppendJsonString(completion.model, &prefix_);
    prefix_.append(R"(,"system_fingerprint":"fp_prsm_fake","service_tier":"default","choices":)");
    suffix_ = completion.options.include_usage ? R"(,"usage":null})"
                                                 "\n\n"
                                               : "}\n\n";
  }

  // A chunk whose only choice has `delta` (a JSON object) and finish_reason null.
  std::string Delta(std::string_view delta) const {
    std::string out = prefix_;
    out.append(R"([{"index":0,"delta":)");
    out.append(delta);
    out.append(R"(,"logprobs":null,"finish_reason":null}])");
    out.append(suffix_);
    return out;
  }

  std::string Finish() const {
    std::string out = prefix_;
    out.append(R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":)");
    AppendJsonString(completion_.script->finish_reason, &out);
    out.append("}]");
    out.append(suffix_);
    return out;
  }

  std::string Usage() const {
    std::string out = prefix_;
    out.append(R"([],"usage":)");
    AppendOpenAiUsage(*completion_.script, &out);
    out.append("}\n\n");
    return out;
  }

 private:
  const Completion& completion_;
  std::string prefix_;
  std::string suffix_;
};

}  // namespace

RenderedStream OpenAiProtocol::RenderStream(
    const Completion& completion, const std::vector<std::string_view>& text_pieces) const {
  const ChunkWriter writer(completion);
  RenderedStream stream;
  stream.preamble = writer.Delta(R"({"role":"assistant","content":"","refusal":null})");
  std::string delta;
  for (const std::string_view piece : text_pieces) {
    delta.assign(R"({"content":)");
    AppendJsonString(piece, &delta);
    delta.push_back('}');
    stream.chunks.push_back(writer.Delta(delta));
  }
  const auto& calls = completion.script->tool_calls;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::string index = std::to_string(i);
    // The first delta of a call names it; the arguments follow in fragments.
    delta.assign(R"({"tool_calls":[{"index":)");
    delta.append(index);
    delta.append(R"(,"id":)");
    AppendOpenAiToolCallId(completion.seq, i, &delta);
    delta.append(R"(,"type":"function","function":{"name":)");
    AppendJsonString(calls[i].name, &delta);
    delta.append(R"(,"arguments":""}}]})");
    stream.chunks.push_back(writer.Delta(delta));
    for (const std::string_view fragment : SplitArguments(calls[i].arguments)) {
      delta.assign(R"({"tool_calls":[{"index":)");
      delta.append(index);
      delta.append(R"(,"function":{"arguments":)");
      AppendJsonString(fragment, &delta);
      delta.append("}}]}");
      stream.chunks.push_back(writer.Delta(delta));
    }
  }
  stream.epilogue = writer.Finish();
  if (completion.options.include_usage) stream.epilogue.append(writer.Usage());
  stream.epilogue.append("data: [DONE]\n\n");
  return stream;
}

}  // namespace prsm::testing::fake
