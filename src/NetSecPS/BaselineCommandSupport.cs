using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using NetSecPS.Core.Baseline;

namespace NetSecPS.Commands;

/// <summary>
/// Accepts a signing key as a <see cref="SecureString"/> (its UTF-8 bytes) or a <c>byte[]</c>. A
/// plain string is refused: it would stay in the command history, transcripts and memory.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SigningKeyTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case null:
                return null;
            case byte[] bytes:
                // A copy: the cmdlets wipe the key they were given once they are done, and the
                // caller's $key must still sign and verify the next command.
                return bytes.ToArray();
            case SecureString secure:
                return Utf8Of(secure);
            case string:
                throw new ArgumentTransformationMetadataException(
                    "Give the signing key as a SecureString (Read-Host -AsSecureString, or Get-Secret from SecretManagement) or as a byte[]; a plain string would stay in the command history.");
            case object[] items when items.All(i => (i is PSObject p ? p.BaseObject : i) is byte or int):
                try
                {
                    return items.Select(i => Convert.ToByte(i is PSObject p ? p.BaseObject : i, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                }
                catch (OverflowException ex)
                {
                    throw new ArgumentTransformationMetadataException("A signing key given as numbers must hold bytes (0-255).", ex);
                }

            default:
                throw new ArgumentTransformationMetadataException($"A signing key must be a SecureString or a byte[], not {value.GetType().Name}.");
        }
    }

    private static byte[] Utf8Of(SecureString secure)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        var chars = new char[secure.Length];
        try
        {
            Marshal.Copy(ptr, chars, 0, chars.Length);
            return Encoding.UTF8.GetBytes(chars);
        }
        finally
        {
            Array.Clear(chars);
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}

/// <summary>What the baseline cmdlets share: signing keys, verified baselines, and how a refused baseline becomes an error record.</summary>
internal static class BaselineCommandSupport
{
    public const int MinimumKeyLength = 16;

    /// <summary>
    /// Reads and verifies a baseline file; a missing, untrusted or unreadable one stops the cmdlet,
    /// since nothing may be compared against it. The key is cleared once used unless
    /// <paramref name="keepKey"/> says another baseline is verified with it next.
    /// </summary>
    public static (string Path, VerifiedBaseline Baseline) ReadBaseline(NetSecCmdlet cmdlet, string baseline, byte[]? key, bool keepKey = false)
    {
        var path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(baseline);
        try
        {
            if (!File.Exists(path))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The baseline {path} does not exist.", path), "NetSecPS.BaselineNotFound", ErrorCategory.ObjectNotFound, path));
            }

            var verified = cmdlet.RunInternal((sink, _) => BaselineFile.ReadFile(path, key, sink));
            cmdlet.WriteVerbose($"Baseline {path} verified: content {verified.ContentDigest}{(verified.SignatureVerified ? ", signature verified" : string.Empty)}, approved {verified.Provenance.CreatedAt:u}");
            return (path, verified);
        }
        catch (BaselineRejectedException ex)
        {
            cmdlet.ThrowTerminatingError(Refused(ex, path));
            throw;
        }
        finally
        {
            if (key is not null && !keepKey)
            {
                Array.Clear(key);
            }
        }
    }

    /// <summary>Checks a key before use: empty keys are refused, short ones warned about.</summary>
    public static void CheckKey(PSCmdlet cmdlet, byte[]? key)
    {
        if (key is null)
        {
            return;
        }

        if (key.Length == 0)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("The signing key is empty."), "NetSecPS.EmptySigningKey", ErrorCategory.InvalidArgument, null));
        }

        if (key.Length < MinimumKeyLength)
        {
            cmdlet.WriteWarning($"The signing key has {key.Length} bytes; use at least {MinimumKeyLength} (32 random bytes is best) so the signature cannot be forged by guessing the key.");
        }
    }

    /// <summary>A refused baseline as an error record: tampering is a security error, the rest invalid data.</summary>
    public static ErrorRecord Refused(BaselineRejectedException ex, string path)
    {
        var category = ex.Reason switch
        {
            BaselineRejection.DigestMismatch or BaselineRejection.SignatureMismatch or BaselineRejection.SignatureMissing => ErrorCategory.SecurityError,
            BaselineRejection.NotABaseline when ex.InnerException is IOException or UnauthorizedAccessException => ErrorCategory.ReadError,
            _ => ErrorCategory.InvalidData,
        };
        return new ErrorRecord(ex, "NetSecPS.BaselineRejected." + ex.Reason, category, path) { ErrorDetails = new ErrorDetails(ex.Message) };
    }
}
