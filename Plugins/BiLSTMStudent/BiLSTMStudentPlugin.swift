import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.bilstm-student", name: "BiLSTM student", version: "1.0.0", license: "Apache-2.0",
    components: [
        .student(BiLSTMStudent.self, name: BiLSTMStudent.componentName,
                 summary: "embedding, one-layer BiLSTM, final states or max-pool, ReLU layer, logits over the teacher's WordPiece tokens (Tang et al. 2019)"),
        .model(BiLSTMStudent.self, name: BiLSTMStudent.componentName, summary: "a saved BiLSTM student"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
