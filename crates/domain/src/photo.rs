//! Photos of an officer's feedback (处置反馈照片): which files are accepted, and the
//! reference the `IncidentHandled` event keeps of each, so the chain vouches for the
//! bytes (their SHA-256) as much as for the words.

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::org::RecordId;

/// The largest photo accepted, in bytes (a phone's JPEG at full size is 2–5 MB).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// The most photos one feedback carries.
pub const MAX_PHOTOS: usize = 6;

/// A stored photo as the event names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// The blob's id.
    pub id: RecordId,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// The image type of a file by its first bytes (never by its name or the browser's
/// word): JPEG, PNG or WebP.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks one uploaded photo (the `n`-th, from 1, named `name`): an image of an
/// accepted type and not too large. Answers its content type.
pub fn check_photo(n: usize, name: &str, bytes: &[u8]) -> Result<&'static str, DomainError> {
    if n > MAX_PHOTOS {
        return Err(DomainError::invalid(
            "photos",
            format!("at most {MAX_PHOTOS} photos per feedback"),
        ));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(DomainError::invalid(
            "photos",
            format!(
                "{name}: {} bytes is larger than the limit of {} MB",
                bytes.len(),
                MAX_PHOTO_BYTES / (1024 * 1024)
            ),
        ));
    }
    sniff(bytes).ok_or_else(|| {
        DomainError::invalid("photos", format!("{name}: not a JPEG, PNG or WebP image"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes_and_nothing_else_passes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        let err = check_photo(1, "a.txt", b"hello").unwrap_err();
        assert!(err.to_string().starts_with("photos: a.txt"), "{err}");
        let big = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert!(
            check_photo(1, "big.jpg", &big)
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
        assert!(check_photo(MAX_PHOTOS + 1, "x.jpg", &[0xFF, 0xD8, 0xFF]).is_err());
    }
}
