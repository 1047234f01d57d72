// tokenize-check: the Swift half of scripts/check-tokenizer.py (parity and speed against
// Hugging Face `tokenizers`). Not a user tool; the bertslim CLI is.
//
//   tokenize-check [--cased] encode MODEL_DIR INPUT.jsonl OUTPUT.jsonl
//       INPUT lines: {"text": "...", "pair": "..." or null, "max_length": n or null}
//       OUTPUT lines: {"ids": [...], "type_ids": [...]}
//       --cased: keep case and accents whatever the model's configuration says
//   tokenize-check bench MODEL_DIR INPUT.jsonl REPEATS
//       prints {"sentences": n, "tokens": n, "parallel_ms": [...], "serial_ms": [...]}
import BertSlimSDK
import Foundation

struct Request: Decodable {
    var text: String
    var pair: String?
    var max_length: Int?
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tokenize-check: \(message)\n".utf8))
    exit(1)
}

func readRequests(_ path: String) -> [Request] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let decoder = JSONDecoder()
    var requests: [Request] = []
    for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
        do { requests.append(try decoder.decode(Request.self, from: Data(line))) } catch {
            fail("\(path):\(number + 1): \(error)")
        }
    }
    return requests
}

/// Large enough that nothing in the check is cut, like `no_truncation()` on the Python side.
let unlimited = 1 << 30

var arguments = CommandLine.arguments
let cased = arguments.contains("--cased")
arguments.removeAll { $0 == "--cased" }
guard arguments.count >= 4 else { fail("usage: tokenize-check [--cased] encode|bench MODEL_DIR INPUT.jsonl [OUTPUT.jsonl|REPEATS]") }
var tokenizer: WordPieceTokenizer
do {
    tokenizer = try WordPieceTokenizer(directory: arguments[2])
    if cased {
        tokenizer = try WordPieceTokenizer(vocabulary: tokenizer.vocabulary, basicTokenization: .cased,
                                           specialTokens: tokenizer.specialTokens)
    }
} catch { fail("\(error)") }
let requests = readRequests(arguments[3])

switch arguments[1] {
case "encode":
    guard arguments.count == 5 else { fail("encode needs an output path") }
    var out = ""
    for request in requests {
        let encoding = tokenizer.encode(request.text, pair: request.pair, maxLength: request.max_length ?? unlimited)
        out += "{\"ids\":[\(encoding.ids.map(String.init).joined(separator: ","))],"
        out += "\"type_ids\":[\(encoding.tokenTypeIDs.map(String.init).joined(separator: ","))]}\n"
    }
    guard FileManager.default.createFile(atPath: arguments[4], contents: Data(out.utf8)) else { fail("cannot write \(arguments[4])") }
case "bench":
    let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 5 : 5
    let texts = requests.map(\.text)
    func time(_ body: () -> [Encoding]) -> (ms: Double, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let encodings = body()
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return (ms, encodings.reduce(0) { $0 + $1.count })
    }
    var parallel: [Double] = [], serial: [Double] = []
    var tokens = 0
    for _ in 0..<repeats {
        let run = time { tokenizer.encode(texts, maxLength: unlimited) }
        parallel.append(run.ms)
        tokens = run.tokens
        serial.append(time { texts.map { tokenizer.encode($0, maxLength: unlimited) } }.ms)
    }
    func list(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: ",") }
    print("{\"sentences\":\(texts.count),\"tokens\":\(tokens),\"threads\":\(Threads.count),\"parallel_ms\":[\(list(parallel))],\"serial_ms\":[\(list(serial))]}")
default:
    fail("unknown mode '\(arguments[1])' (encode or bench)")
}
