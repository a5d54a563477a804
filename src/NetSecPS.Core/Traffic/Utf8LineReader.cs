using System.IO.Compression;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Reads a text file line by line as UTF-8 bytes, without decoding to strings: a flow log of
/// millions of lines passes through one buffer. Gzip files (<c>.gz</c>, or by their magic
/// bytes) are read through a decompressing stream.
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    /// <summary>Longest line kept; a longer one is reported and skipped.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private readonly Stream stream;
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int end;
    private bool eof;
    private bool first = true;

    public Utf8LineReader(Stream stream) => this.stream = stream;

    /// <summary>The number of the line last returned (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes read from the underlying (decompressed) stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Opens a file, decompressing it when it is gzip.</summary>
    public static Utf8LineReader Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var n = file.Read(magic);
            file.Position = 0;
            Stream s = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
            return new Utf8LineReader(s);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next line without its line break, valid until the next call. <paramref name="tooLong"/>
    /// is set for a line over <see cref="MaxLineBytes"/>, which is skipped (an empty line is returned).
    /// </summary>
    public bool TryRead(out ReadOnlyMemory<byte> line, out bool tooLong)
    {
        tooLong = false;
        var scanned = start;
        while (true)
        {
            var nl = Array.IndexOf(buffer, (byte)'\n', scanned, end - scanned);
            if (nl >= 0)
            {
                line = Take(nl, nl + 1);
                return true;
            }

            scanned = end;
            if (eof)
            {
                if (start == end)
                {
                    line = default;
                    return false;
                }

                line = Take(end, end);
                return true;
            }

            if (end - start >= MaxLineBytes)
            {
                tooLong = true;
                line = ReadOnlyMemory<byte>.Empty;
                SkipRestOfLine();
                LineNumber++;
                return true;
            }

            scanned -= start;
            Fill();
        }
    }

    private ReadOnlyMemory<byte> Take(int lineEnd, int next)
    {
        var s = start;
        var e = lineEnd;
        if (e > s && buffer[e - 1] == (byte)'\r')
        {
            e--;
        }

        if (first)
        {
            first = false;
            if (e - s >= 3 && buffer[s] == 0xEF && buffer[s + 1] == 0xBB && buffer[s + 2] == 0xBF)
            {
                s += 3;
            }
        }

        start = next;
        LineNumber++;
        return new ReadOnlyMemory<byte>(buffer, s, e - s);
    }

    /// <summary>Moves the unread bytes to the front and reads more, growing the buffer for a long line.</summary>
    private void Fill()
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxLineBytes + (1 << 16)));
        }

        var n = stream.Read(buffer, end, buffer.Length - end);
        if (n == 0)
        {
            eof = true;
        }

        end += n;
        BytesRead += n;
    }

    private void SkipRestOfLine()
    {
        while (true)
        {
            var nl = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (nl >= 0)
            {
                start = nl + 1;
                return;
            }

            start = end = 0;
            var n = stream.Read(buffer, 0, buffer.Length);
            BytesRead += n;
            if (n == 0)
            {
                eof = true;
                return;
            }

            end = n;
        }
    }

    public void Dispose() => stream.Dispose();
}
