import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.ensemble-teacher", name: "Ensemble teacher", version: "1.0.0", license: "Apache-2.0",
    components: [
        .teacher(EnsembleTeacher.self, name: "ensemble",
                 summary: "several fine-tuned BERT folders as one teacher: mean logits, or mean probabilities (MT-DNN-KD, Liu et al. 2019)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
