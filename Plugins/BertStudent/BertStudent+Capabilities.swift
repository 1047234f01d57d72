import BertSlimSDK

/// The internals a BERT student returns: those of the BERT it runs, so that losses on hidden
/// states (PKD) can read them.
extension BertStudent: HiddenStatesProvider {
    var layerCount: Int { bert?.layerCount ?? 0 }
    var hiddenSize: Int { bert?.hiddenSize ?? 0 }
    var attentionHeads: [Int] { bert?.attentionHeads ?? [] }
    var availableOutputs: OutputRequest { bert?.availableOutputs ?? [] }
}
