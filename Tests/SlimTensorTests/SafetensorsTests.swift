import BertSlimSDK
import Foundation
import Testing

@Suite struct SafetensorsTests {
    @Test func roundTripKeepsEveryWritableDTypeBitExact() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("all.safetensors")
        let special: [Float] = [1.5, -0.0, .infinity, -.infinity, Float(bitPattern: 0x7fc0_1234),
                                .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-20]
        let values: [String: SafetensorsValue] = [
            "weights": .float(Tensor(shape: [2, 4], scalars: special)),
            "scalar": .float(Tensor(3.25)),
            "empty": .float(Tensor.zeros([0, 3])),
            "ids": .int64(IntegerArray(shape: [3], scalars: [.min, 0, .max])),
            "lengths": .int32(IntegerArray(shape: [2, 2], scalars: [.min, -1, 7, .max])),
            "codes": .int8(IntegerArray(shape: [3], scalars: [-128, 0, 127])),
            "mask": .uint8(IntegerArray(shape: [1, 3], scalars: [0, 128, 255])),
        ]
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t bell \u{07} é"]
        try SafetensorsFile.write(values, metadata: metadata, to: path)

        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == metadata)
        #expect(Set(file.names) == Set(values.keys))
        for (name, value) in values {
            #expect(try file.value(named: name) == value, "\(name)")
        }
        // Every tensor starts on a multiple of its element size in the file.
        let headerLength = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8)
            .withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect((8 + headerLength) % 8 == 0)
        for entry in file.entries { #expect(entry.byteRange.lowerBound % entry.dtype.byteSize == 0, "\(entry.name)") }
        #expect(try folder.contents() == ["all.safetensors"], "no temporary file is left behind")
    }

    @Test func halfPrecisionWidensExactly() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("half.safetensors")
        // Bit patterns with their exact values: 1, -2, max half, smallest subnormal, -0, ±inf,
        // NaN, 1/3 rounded to half, smallest normal.
        let half: [UInt16] = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555, 0x0400]
        let halfValues: [Float] = [1, -2, 65504, 0x1p-24, -0.0, .infinity, -.infinity, .nan, 0.333251953125, 0x1p-14]
        let brain: [UInt16] = [0x3f80, 0xc040, 0x7f80, 0x0001, 0x4049, 0x8000]
        let brainValues: [Float] = [1, -3, .infinity, 0x1p-133, 3.140625, -0.0]
        let header = """
            {"h":{"dtype":"F16","shape":[2,5],"data_offsets":[0,20]},"b":{"dtype":"BF16","shape":[6],"data_offsets":[20,32]}}
            """
        try writeBytes(rawSafetensors(header: header, data: littleEndianBytes(half) + littleEndianBytes(brain)), to: path)

        let file = try SafetensorsFile(path: path)
        let h = try file.tensor(named: "h"), b = try file.tensor(named: "b")
        #expect(h.shape == [2, 5])
        #expect(b.shape == [6])
        for (got, want) in zip(h.scalars, halfValues) {
            #expect(want.isNaN ? got.isNaN : got.bitPattern == want.bitPattern, "F16: \(got) vs \(want)")
        }
        #expect(b.scalars.map(\.bitPattern) == brainValues.map(\.bitPattern))
    }

    @Test func integersAreTypedAndNeverConverted() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("ints.safetensors")
        try SafetensorsFile.write(["ids": .int64(IntegerArray(shape: [2], scalars: [5, 6])),
                                   "w": .float(Tensor(shape: [1], scalars: [1]))], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(try file.integers(named: "ids", as: Int64.self).scalars == [5, 6])
        #expect(throws: SafetensorsError.wrongDType(path: path, tensor: "ids", stored: .i64, requested: "I32")) {
            try file.integers(named: "ids", as: Int32.self)
        }
        #expect(throws: SafetensorsError.wrongDType(path: path, tensor: "ids", stored: .i64, requested: "a float tensor")) {
            try file.tensor(named: "ids")
        }
        #expect(throws: SafetensorsError.wrongDType(path: path, tensor: "w", stored: .f32, requested: "U8")) {
            try file.integers(named: "w", as: UInt8.self)
        }
        #expect(throws: SafetensorsError.missingTensor(path: path, tensor: "nope")) { try file.tensor(named: "nope") }
    }

    @Test func rewriteReplacesAtomicallyWhileTheOldFileIsMapped() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("ckpt.safetensors")
        try SafetensorsFile.write(tensors: ["w": Tensor(shape: [2], scalars: [1, 2])], to: path)
        let old = try SafetensorsFile(path: path)
        try SafetensorsFile.write(tensors: ["w": Tensor(shape: [3], scalars: [7, 8, 9]), "v": Tensor(0)], to: path)
        // The open file still reads the data it mapped; a new reader sees the new file.
        #expect(try old.tensor(named: "w").scalars == [1, 2])
        #expect(try SafetensorsFile(path: path).tensor(named: "w").scalars == [7, 8, 9])
        #expect(try folder.contents() == ["ckpt.safetensors"])
    }

    @Test func writeFailuresNameTheFileAndLeaveNothing() throws {
        let folder = try TemporaryFolder()
        let missing = folder.file("no/such/folder/x.safetensors")
        do {
            try SafetensorsFile.write(tensors: ["w": Tensor(1)], to: missing)
            Issue.record("writing into a missing folder succeeded")
        } catch let error as SafetensorsError {
            #expect(error.path == missing)
            #expect(error.description.hasPrefix(missing))
        }
        let reserved = folder.file("r.safetensors")
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.write(tensors: ["__metadata__": Tensor(1)], to: reserved) }
        #expect(try folder.contents().isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: miniLMCheckpoint),
                   "assets/model/minilm-l6/model.safetensors is missing: run scripts/fetch-assets.sh"))
    func loadsTheMiniLMCheckpoint() throws {
        let file = try SafetensorsFile(path: miniLMCheckpoint)
        #expect(file.entries.count == 104)
        #expect(file.metadata["format"] == "pt")
        #expect(file.entry(named: "embeddings.word_embeddings.weight")?.shape == [30522, 384])
        #expect(file.entry(named: "encoder.layer.5.intermediate.dense.weight")?.shape == [1536, 384])
        #expect(file.entries.filter { $0.dtype == .f32 }.count == 103)

        let positions = try file.integers(named: "embeddings.position_ids", as: Int64.self)
        #expect(positions.shape == [1, 512])
        #expect(positions.scalars == (0..<512).map(Int64.init))

        let query = try file.tensor(named: "encoder.layer.0.attention.self.query.weight")
        #expect(query.shape == [384, 384])
        let stats = query.scalars.reduce(into: (finite: true, sumSquares: 0.0)) {
            $0.finite = $0.finite && $1.isFinite
            $0.sumSquares += Double($1 * $1)
        }
        #expect(stats.finite && stats.sumSquares > 1, "trained weights are finite and not zero")
        let gamma = try file.tensor(named: "embeddings.LayerNorm.weight")
        #expect(gamma.shape == [384])
    }
}
