//! The documented signature vector, through the public API.

use itnio_client::sign;

#[test]
fn documented_signature_vector() {
    // Request example of the vendor docs: Api-Key bDqJFiq9, Timestamp 1630468800.
    assert_eq!(
        sign("bDqJFiq9", "7bz1lzh9", 1_630_468_800),
        "05d7a50893e22a5c4bb3216ae3396c7c"
    );
    assert_ne!(
        sign("bDqJFiq9", "7bz1lzh9", 1_630_468_801),
        "05d7a50893e22a5c4bb3216ae3396c7c"
    );
}
