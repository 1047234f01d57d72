import BertSlimSDK

/// The plugin's definition: Q8BERT's quantizer and the int8 model it converts to.
let plugin = PluginDefinition(
    id: "org.bertslim.q8bert", name: "Q8BERT", version: "1.0.0", license: "Apache-2.0",
    components: [
        .quantizer(Q8BERTQuantizer.self, name: FirstPartyComponents.Q8BERT.quantizer,
                   summary: "symmetric int8: quantization-aware training, static or dynamic post-training (Zafrir et al. 2019)"),
        .model(Int8BertModel.self, name: FirstPartyComponents.Q8BERT.model,
               summary: "a BERT with int8 weights and embeddings running oneDNN int8 matmuls (made by q8bert)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
