//! The two stores a vault may keep its secrets in, by the names the user types and reads.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager.
    #[default]
    Os,
    /// One age-encrypted file per token in the vault's `secrets` folder.
    File,
}

impl StoreKind {
    pub const ALL: [StoreKind; 2] = [StoreKind::Os, StoreKind::File];

    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Os => "os",
            StoreKind::File => "file",
        }
    }

    /// The store as its user calls it, in a sentence.
    pub fn described(self) -> &'static str {
        match self {
            StoreKind::Os => "the keychain",
            StoreKind::File => "the encrypted-file store",
        }
    }

    pub fn parse(name: &str) -> Option<StoreKind> {
        match name.trim() {
            "os" => Some(StoreKind::Os),
            "file" => Some(StoreKind::File),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_store_is_found_by_its_name_and_told_apart() {
        for kind in StoreKind::ALL {
            assert_eq!(StoreKind::parse(kind.name()), Some(kind));
        }
        assert_ne!(StoreKind::Os.described(), StoreKind::File.described());
        assert_eq!(StoreKind::parse("keychain"), None);
    }
}
