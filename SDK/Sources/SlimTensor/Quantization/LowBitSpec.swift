/// How one Linear weight is stored below 8 bits: the bits per weight, the groups of rows that
/// share quantization parameters, and what a code stands for. It is the per-weight entry of a
/// packed model's `quantization` block in `config.json` (`{"bits": 4, "groups": 12, "scheme":
/// "asymmetric"}`), and ``LowBitWeight`` checks its tensors against it.
///
/// Groups are blocks of consecutive rows of the `(N, K)` weight (Hugging Face layout: row n is
/// output feature n). For the attention projections of Q-BERT (Shen et al. 2019, Q-BERT:
/// Hessian Based Ultra Low Precision Quantization of BERT) one group per head's rows, or
/// several (`groups = heads · groups_per_head`); for the FFN any divisor of N; 1 is per tensor,
/// N per row.
public struct LowBitSpec: Codable, Equatable, Hashable, Sendable {
    /// What a code q of group g stands for.
    public enum Scheme: String, Codable, CaseIterable, Sendable {
        /// Uniform, symmetric about zero: `(q − 2^(b−1)) / scale_g`, codes 1…2^b − 1 (so
        /// ±(2^(b−1) − 1) steps, as Q8BERT's ±127 at 8 bits; 2 bits gives −1, 0, 1). One F32
        /// scale per group.
        case symmetric
        /// Uniform over the group's [min, max] (widened to hold 0): `(q − z_g) / scale_g`, codes
        /// 0…2^b − 1, with an integer zero point z_g (U8) per group, as PyTorch's affine
        /// quantization. All 2^b levels are used, which matters most at 2 and 3 bits.
        case asymmetric
        /// k-means: `codebook[g][q]`, 2^b F32 centroids per group (Han et al. 2016, Deep Compression).
        case codebook
    }

    /// The bit widths the packed format and its kernels take.
    public static let supportedBits = [2, 3, 4, 8]

    /// Bits per weight: 2, 3, 4 or 8.
    public var bits: Int
    /// Row blocks sharing a scale (and zero point) or a codebook; divides the rows.
    public var groups: Int
    /// What a code stands for.
    public var scheme: Scheme

    /// A spec; check it against a weight with ``validate(rows:name:)``.
    public init(bits: Int, groups: Int = 1, scheme: Scheme) {
        self.bits = bits
        self.groups = groups
        self.scheme = scheme
    }

    /// Distinct codes, 2^bits.
    public var levels: Int { 1 << bits }

    /// Throws unless the spec can describe a weight of `rows` rows.
    /// - Parameter name: the layer (or key path) the message names.
    /// - Throws: ``LowBitError/invalidSpec(name:reason:)``.
    public func validate(rows: Int, name: String) throws {
        guard Self.supportedBits.contains(bits) else {
            throw LowBitError.invalidSpec(name: name, reason: "bits \(bits) is not one of \(Self.supportedBits.map(String.init).joined(separator: ", "))")
        }
        guard groups >= 1, rows >= 1, rows % groups == 0 else {
            throw LowBitError.invalidSpec(name: name, reason: "groups \(groups) does not divide the \(rows) rows")
        }
    }

    /// Bytes of one packed row of `columns` codes: ⌈columns·bits / 8⌉.
    public func rowBytes(columns: Int) -> Int { (columns * bits + 7) / 8 }
}
