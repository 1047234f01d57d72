import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.tang-augmentation", name: "Tang et al. transfer-set augmentation", version: "1.0.0", license: "Apache-2.0",
    components: [
        .augmenter(TangAugmenter.self, name: TangAugmenter.componentName,
                   summary: "masking, embedding-neighbour replacement (for POS-guided) and n-gram sampling, n_iter copies per text (Tang et al. 2019)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
