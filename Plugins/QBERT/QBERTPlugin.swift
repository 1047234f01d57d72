import BertSlimSDK

/// The plugin's definition: Q-BERT's quantizer and the low-bit model it converts to.
let plugin = PluginDefinition(
    id: "org.bertslim.q-bert", name: "Q-BERT", version: "1.0.0", license: "Apache-2.0",
    components: [
        .quantizer(QBERTQuantizer.self, name: QBERTQuantizer.name,
                   summary: "group-wise 2/3/4/8-bit weights, optionally Hessian-guided mixed precision (Shen et al. 2019)"),
        .model(LowBitBertModel.self, name: QBERTQuantizer.modelName,
               summary: "a BERT with packed low-bit weights and 8-bit activations (made by q-bert)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
