//! Little-endian byte building helpers shared by the writers.

/// Appends little-endian integers to a byte vector.
pub trait Put {
    fn u8(&mut self, v: u8);
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn u64(&mut self, v: u64);
    /// Zero bytes until the length is a multiple of `align`.
    fn pad_to(&mut self, align: usize);
}

impl Put for Vec<u8> {
    fn u8(&mut self, v: u8) {
        self.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn pad_to(&mut self, align: usize) {
        while self.len() % align != 0 {
            self.push(0);
        }
    }
}

/// Overwrites a little-endian u32 at `at`.
pub fn set_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Sizes of the corpus structures are tiny; a failure here is a generator bug.
pub fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("corpus structure sizes fit in u32")
}

pub fn u16_of(n: usize) -> u16 {
    u16::try_from(n).expect("corpus structure counts fit in u16")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
