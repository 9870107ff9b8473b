// Hostile upload files, made on the spot for the integration tests and the
// import benchmark (included by both): the two-cell workbook
// whose sheet spans A1:XFD1048576, and decompression bombs whose one cell
// unpacks to any size, with a truthful or a lying size declaration.

use std::io::{Cursor, Read, Write};

/// A valid workbook with a header cell in A1 and one cell in XFD1048576, the
/// last cell a sheet can have: 5 KB on disk, a 17-billion-cell extent.
pub fn two_cell_extent_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(0, 0, "Câu hỏi").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("XFD1048576");
    wb.save_to_buffer().expect("workbook")
}

/// The parts of a small valid workbook, uncompressed: (name, bytes).
fn skeleton() -> Vec<(String, Vec<u8>)> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "x").expect("cell");
    let bytes = wb.save_to_buffer().expect("workbook");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            (f.name().to_string(), data)
        })
        .collect()
}

/// Raw deflate data for `prefix`, then `unpacked` bytes of 'A', then `suffix`,
/// built from one compressed megabyte repeated, so even a gigabyte bomb is
/// made in milliseconds.
fn deflate_bomb(prefix: &[u8], unpacked: u64, suffix: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let piece = |data: &[u8], flush: FlushCompress| {
        let mut c = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(data.len() / 100 + 1024);
        c.compress_vec(data, &mut out, flush).expect("deflate");
        out
    };
    const MB: usize = 1024 * 1024;
    let block = piece(&vec![b'A'; MB], FlushCompress::Sync);
    let mut out = piece(prefix, FlushCompress::Sync);
    let whole = unpacked / MB as u64;
    for _ in 0..whole {
        out.extend_from_slice(&block);
    }
    let rest = (unpacked % MB as u64) as usize;
    out.extend_from_slice(&piece(&vec![b'A'; rest], FlushCompress::Sync));
    let mut last = Compress::new(Compression::best(), false);
    let mut tail = Vec::with_capacity(suffix.len() + 64);
    last.compress_vec(suffix, &mut tail, FlushCompress::Finish)
        .expect("deflate");
    out.extend_from_slice(&tail);
    out
}

/// A workbook whose first sheet holds one inline-string cell of `unpacked`
/// bytes. With `lie`, the zip declares the sheet to be 2 KB.
pub fn cell_bomb_xlsx(unpacked: u64, lie: bool) -> Vec<u8> {
    let prefix = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>";
    let suffix = b"</t></is></c></row></sheetData></worksheet>";
    let total = prefix.len() as u64 + unpacked + suffix.len() as u64;
    let bomb = deflate_bomb(prefix, unpacked, suffix);
    let mut entries: Vec<Entry> = skeleton()
        .into_iter()
        .map(|(name, data)| {
            if name == "xl/worksheets/sheet1.xml" {
                Entry {
                    name,
                    method: 8,
                    crc: 0, // never checked: the reader must stop long before the end
                    size: if lie { 2048 } else { total },
                    data: bomb.clone(),
                }
            } else {
                Entry {
                    crc: crc32(&data),
                    size: data.len() as u64,
                    name,
                    method: 0,
                    data,
                }
            }
        })
        .collect();
    entries.retain(|e| e.name != "xl/sharedStrings.xml");
    write_zip(&entries)
}

struct Entry {
    name: String,
    method: u16,
    crc: u32,
    size: u64,
    data: Vec<u8>,
}

fn crc32(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(data);
    h.finalize()
}

/// A plain zip writer (no zip64): sizes over 4 GiB are not needed here.
fn write_zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let size = e.size.min(u32::MAX as u64) as u32;
        let header = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.write_all(&sig.to_le_bytes()).unwrap();
            if central_dir {
                h.write_all(&20u16.to_le_bytes()).unwrap(); // made by
            }
            h.write_all(&20u16.to_le_bytes()).unwrap(); // needed
            h.write_all(&0u16.to_le_bytes()).unwrap(); // flags
            h.write_all(&e.method.to_le_bytes()).unwrap();
            h.write_all(&0u32.to_le_bytes()).unwrap(); // time, date
            h.write_all(&e.crc.to_le_bytes()).unwrap();
            h.write_all(&(e.data.len() as u32).to_le_bytes()).unwrap();
            h.write_all(&size.to_le_bytes()).unwrap();
            h.write_all(&(e.name.len() as u16).to_le_bytes()).unwrap();
            h.write_all(&0u16.to_le_bytes()).unwrap(); // extra
            if central_dir {
                h.write_all(&0u16.to_le_bytes()).unwrap(); // comment
                h.write_all(&0u16.to_le_bytes()).unwrap(); // disk
                h.write_all(&0u16.to_le_bytes()).unwrap(); // internal attrs
                h.write_all(&0u32.to_le_bytes()).unwrap(); // external attrs
                h.write_all(&offset.to_le_bytes()).unwrap();
            }
            h.write_all(e.name.as_bytes()).unwrap();
            h
        };
        out.extend_from_slice(&header(0x0403_4b50, false));
        out.extend_from_slice(&e.data);
        central.extend_from_slice(&header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    let mut end = Vec::new();
    end.write_all(&0x0605_4b50u32.to_le_bytes()).unwrap();
    end.write_all(&0u16.to_le_bytes()).unwrap();
    end.write_all(&0u16.to_le_bytes()).unwrap();
    end.write_all(&(entries.len() as u16).to_le_bytes())
        .unwrap();
    end.write_all(&(entries.len() as u16).to_le_bytes())
        .unwrap();
    end.write_all(&(central.len() as u32).to_le_bytes())
        .unwrap();
    end.write_all(&cd_offset.to_le_bytes()).unwrap();
    end.write_all(&0u16.to_le_bytes()).unwrap();
    out.extend_from_slice(&end);
    out
}

/// This process's peak resident memory so far, in KB (Linux; 0 elsewhere):
/// how the benchmarks weigh a check of a hostile file.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}
