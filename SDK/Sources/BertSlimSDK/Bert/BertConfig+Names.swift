internal import Foundation

/// Tensor names in Hugging Face files.
///
/// BertSlim names every variant's parameters as BERT's (`encoder.layer.3.attention.self.query.weight`),
/// so selectors, pruners and quantizers see one set of names; the variant's own names are used
/// only in the files transformers reads and writes. For MPNet:
///
/// | BertSlim | MPNet |
/// |---|---|
/// | `encoder.layer.N.attention.self.{query,key,value}` | `encoder.layer.N.attention.attn.{q,k,v}` |
/// | `encoder.layer.N.attention.output.dense` | `encoder.layer.N.attention.attn.o` |
/// | `encoder.layer.N.attention.output.LayerNorm` | `encoder.layer.N.attention.LayerNorm` |
/// | `pooler.dense` | `pooler.dense`; `classifier.dense` in a classifier |
/// | `classifier` | `classifier.out_proj` |
///
/// and a classifier's encoder tensors carry `mpnet.` (BERT's: `bert.`). MPNet's classification
/// head (dense, tanh, out_proj on the first token) is BERT's pooler and classifier under other
/// names, so one forward pass serves both.
extension BertConfig {
    /// The names `name` (BertSlim's) may have in a Hugging Face file of this variant, in the
    /// order they are looked up.
    public func storedNames(of name: String) -> [String] {
        switch modelType {
        case .bert: return [name, "bert." + name]
        case .mpnet:
            if let rest = name.removingPrefix("classifier.") { return ["classifier.out_proj." + rest] }
            let mapped = Self.mpnetName(name)
            if let rest = name.removingPrefix("pooler.dense.") {
                return [mapped, "mpnet." + mapped, "classifier.dense." + rest]
            }
            return [mapped, "mpnet." + mapped]
        }
    }

    /// The name export writes for `name` (BertSlim's): transformers' name in its base model
    /// or, when `classifier`, in its sequence-classification model.
    public func exportedName(of name: String, classifier: Bool) -> String {
        switch modelType {
        case .bert:
            return classifier && !name.hasPrefix("classifier.") ? "bert." + name : name
        case .mpnet:
            guard classifier else { return Self.mpnetName(name) }
            if let rest = name.removingPrefix("classifier.") { return "classifier.out_proj." + rest }
            if let rest = name.removingPrefix("pooler.dense.") { return "classifier.dense." + rest }
            return "mpnet." + Self.mpnetName(name)
        }
    }

    /// MPNet's name for a base-model tensor named as BERT's.
    static func mpnetName(_ name: String) -> String {
        guard name.hasPrefix("encoder.layer.") else { return name }
        let renames = [("attention.self.query.", "attention.attn.q."), ("attention.self.key.", "attention.attn.k."),
                       ("attention.self.value.", "attention.attn.v."), ("attention.output.dense.", "attention.attn.o."),
                       ("attention.output.LayerNorm.", "attention.LayerNorm.")]
        for (bert, mpnet) in renames {
            if let range = name.range(of: bert) { return name.replacingCharacters(in: range, with: mpnet) }
        }
        return name
    }
}

extension String {
    /// The rest after `prefix`, or nil when the string does not start with it.
    func removingPrefix(_ prefix: String) -> String? { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil }
}
