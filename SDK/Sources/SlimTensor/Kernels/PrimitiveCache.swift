internal import CSlimKernels

/// oneDNN primitives are made once per shape and kept in one cache; those made for packed
/// weights go when the weights are freed (a re-pack after an optimizer step frees the old
/// ones), so the cache stays bounded over a long training run.
public enum PrimitiveCache {
    /// Primitives cached now, of every kind (float and int8 matmuls, attention products).
    public static var count: Int { Int(slim_primitive_count()) }
}
