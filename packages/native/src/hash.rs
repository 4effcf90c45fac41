//! Content ids: BLAKE3-256 of the bytes as 64 lowercase hex characters.

use napi_derive::napi;

use crate::error::{ErrorCode, NativeError, NativeResult};

/// Inputs at least this large are hashed with `update_rayon`. The blake3 docs put the break-even of
/// multithreaded hashing at about 128 KiB; below it the fork/join costs more than it saves.
pub const RAYON_HASH_MIN_BYTES: usize = 128 * 1024;

/// Length of an id in hex characters.
pub const ID_HEX_LEN: usize = 64;

/// BLAKE3-256 of `data`. Uses the current rayon pool for inputs of at least
/// [`RAYON_HASH_MIN_BYTES`].
pub fn hash(data: &[u8]) -> blake3::Hash {
    if data.len() >= RAYON_HASH_MIN_BYTES {
        let mut hasher = blake3::Hasher::new();
        hasher.update_rayon(data);
        hasher.finalize()
    } else {
        blake3::hash(data)
    }
}

/// BLAKE3-256 of `data` as lowercase hex: the chunk id.
pub fn hash_hex(data: &[u8]) -> String {
    hash(data).to_hex().to_string()
}

/// True if `id` is 64 lowercase hex characters.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_HEX_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks an id, naming it in the error.
pub fn validate_id(id: &str) -> NativeResult<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(NativeError::InvalidArgument(format!(
            "chunk-store: invalid chunk id \"{id}\" (expected 64 lowercase hex characters)"
        )))
    }
}

/// Returns the BLAKE3-256 hash of `data` as 64 lowercase hex characters (the chunk id). Runs on the
/// calling thread (inputs of 128 KiB and more are hashed on the addon's thread pool while it waits).
#[napi]
pub fn blake3_hex(data: &[u8]) -> napi::Result<String, ErrorCode> {
    if data.len() < RAYON_HASH_MIN_BYTES {
        return Ok(hash_hex(data));
    }
    crate::config::install(|| Ok(hash_hex(data))).map_err(NativeError::into_napi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official vector input: byte i is `i % 251`.
    fn vector_input(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// First 32 bytes of the "hash" field of BLAKE3's test_vectors/test_vectors.json.
    const OFFICIAL: &[(usize, &str)] = &[
        (0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
        (1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"),
        (1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11"),
        (1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"),
        (1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"),
        (2048, "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a"),
        (3073, "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3"),
        (8193, "bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b"),
        (16384, "f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4"),
        (31744, "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47"),
        (102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085"),
    ];

    /// Inputs above 1 MiB (the official file stops at 100 KiB), same i % 251 pattern, hashed with
    /// an independent build (`@napi-rs/blake-hash` 1.3.6); they exercise the `update_rayon` path.
    const LARGE: &[(usize, &str)] = &[
        (1_048_577, "2f053cd7472cf0cd2f9adaf45c1180255b91b9a865404a63671a0ee5f792ed33"),
        (3_145_735, "8f3f67e881a256c8a2cc45cce1a0b500a1dd0500623fe5363fe7f77518267c5a"),
    ];

    #[test]
    fn matches_the_official_vectors() {
        for (len, expected) in OFFICIAL {
            assert_eq!(hash_hex(&vector_input(*len)), *expected, "input_len {len}");
        }
    }

    #[test]
    fn matches_large_vectors_on_the_rayon_path() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for (len, expected) in LARGE {
            let input = vector_input(*len);
            assert!(input.len() >= RAYON_HASH_MIN_BYTES);
            assert_eq!(pool.install(|| hash_hex(&input)), *expected, "input_len {len}");
            assert_eq!(blake3::hash(&input).to_hex().as_str(), *expected, "serial, input_len {len}");
        }
    }

    #[test]
    fn validates_ids() {
        assert!(is_valid_id(&"0a".repeat(32)));
        assert!(!is_valid_id(&"0A".repeat(32)));
        assert!(!is_valid_id(&"0a".repeat(31)));
        assert!(!is_valid_id(&format!("{}g", "0".repeat(63))));
        let err = validate_id("../etc").unwrap_err();
        assert_eq!(err.to_string(), "chunk-store: invalid chunk id \"../etc\" (expected 64 lowercase hex characters)");
    }
}
