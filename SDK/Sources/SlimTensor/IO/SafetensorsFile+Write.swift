#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

// `write` inside the extension names the static method; this reaches the system call.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

extension SafetensorsFile {
    /// Writes `values` and `metadata` to a safetensors file at `path`, atomically.
    ///
    /// The file is written under a temporary name in the same folder, flushed to disk, then
    /// renamed over `path`, so a crash or a full disk leaves either the old file or the new
    /// one, never a torn checkpoint, and readers that have the old file mapped keep it.
    ///
    /// Tensors are laid out by element size (largest first) and then by name, behind a
    /// header padded to a multiple of 8 bytes: every tensor then starts on a multiple of its
    /// element size, and the same input always gives the same bytes.
    /// - Parameters:
    ///   - values: tensors by name; F32, I64, I32, I8 and U8 are written.
    ///   - metadata: free-form strings stored under `__metadata__`.
    ///   - path: destination; its folder must exist.
    /// - Throws: ``SafetensorsError`` naming `path` when the file cannot be written (the
    ///   temporary file is removed and `path` is left as it was).
    public static func write(_ values: [String: SafetensorsValue], metadata: [String: String] = [:],
                             to path: String) throws {
        if values["__metadata__"] != nil {
            throw SafetensorsError.unsupported(path: path, tensor: "__metadata__", reason: "the name is reserved for metadata")
        }
        let ordered = values.sorted {
            ($0.value.dtype.byteSize, $1.key) > ($1.value.dtype.byteSize, $0.key)
        }
        let header = headerBytes(ordered, metadata: metadata)
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SafetensorsError.io(path: path, reason: "cannot create \(temporary): \(errnoMessage())")
        }
        do {
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writeAll(fd, $0, path: path) }
            try header.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            for (_, value) in ordered { try value.withUnsafeBytes { try writeAll(fd, $0, path: path) } }
            guard fsync(fd) == 0 else { throw SafetensorsError.io(path: path, reason: "fsync failed: \(errnoMessage())") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let reason = "close failed: \(errnoMessage())"
            unlink(temporary)
            throw SafetensorsError.io(path: path, reason: reason)
        }
        guard rename(temporary, path) == 0 else {
            let reason = "cannot rename \(temporary) into place: \(errnoMessage())"
            unlink(temporary)
            throw SafetensorsError.io(path: path, reason: reason)
        }
        syncDirectory(of: path)
    }

    /// Writes Float32 tensors (the common case: a model's parameters).
    public static func write(tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try write(tensors.mapValues { .float($0) }, metadata: metadata, to: path)
    }

    /// The JSON header, padded with spaces so the data section starts 8-byte aligned.
    static func headerBytes(_ ordered: [(key: String, value: SafetensorsValue)], metadata: [String: String]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, value) in ordered {
            let bytes = value.shape.reduce(value.dtype.byteSize, *)
            let shape = value.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"\(value.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        while (8 + bytes.count) % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(folder).\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        guard var next = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let written = posixWrite(fd, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError.io(path: path, reason: "write failed: \(errnoMessage())")
            }
            next += written
            remaining -= written
        }
    }

    /// Makes the rename itself durable. Some file systems cannot sync a folder; the data is
    /// already safe then, so failures here are not reported.
    private static func syncDirectory(of path: String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
