import BertSlimSDK

/// The plugin's definition: k-means weight sharing and the low-bit model it converts to.
let plugin = PluginDefinition(
    id: "org.bertslim.kmeans", name: "k-means quantization", version: "1.0.0", license: "Apache-2.0",
    components: [
        .quantizer(KMeansQuantizer.self, name: KMeansQuantizer.name,
                   summary: "2/3/4/8-bit indices into k-means codebooks, with optional centroid fine-tuning (Han et al. 2016)"),
        .model(LowBitBertModel.self, name: KMeansQuantizer.modelName,
               summary: "a BERT with codebook weights and 8-bit activations (made by kmeans)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
