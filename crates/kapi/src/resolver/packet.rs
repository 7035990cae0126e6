//! DNS messages: the query kapi sends and the answer it reads back, every
//! read bounds-checked (RFC 1035; compression pointers, CNAME chains).

use std::net::IpAddr;

/// CNAME links followed inside one answer before giving up on a loop.
pub(super) const MAX_CNAME_HOPS: usize = 16;

pub(super) const TYPE_A: u16 = 1;
pub(super) const TYPE_CNAME: u16 = 5;
pub(super) const TYPE_AAAA: u16 = 28;
pub(super) const CLASS_IN: u16 = 1;

/// What a server said to one query.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Answer {
    /// The addresses at the end of the CNAME chain; empty for NODATA.
    Addrs(Vec<IpAddr>),
    NxDomain,
    /// SERVFAIL, REFUSED and the like, or a broken answer: try another server.
    Failed(String),
    /// The TC bit: ask again over TCP.
    Truncated,
}

/// `name` in wire format, lowercased, or `None` when it cannot be a DNS
/// name (an empty label, a label over 63 bytes, over 255 bytes in all).
pub(super) fn encode_name(name: &str) -> Option<Vec<u8>> {
    let mut wire = Vec::with_capacity(name.len() + 2);
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        wire.push(label.len() as u8);
        wire.extend(label.bytes().map(|b| b.to_ascii_lowercase()));
    }
    wire.push(0);
    (wire.len() <= 255).then_some(wire)
}

pub(super) fn build_query(id: u16, qname: &[u8], qtype: u16) -> Vec<u8> {
    let mut query = Vec::with_capacity(16 + qname.len());
    query.extend_from_slice(&id.to_be_bytes());
    // Recursion desired; one question, no other records.
    query.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    query.extend_from_slice(qname);
    query.extend_from_slice(&qtype.to_be_bytes());
    query.extend_from_slice(&CLASS_IN.to_be_bytes());
    query
}

/// Decodes `msg` as the answer to query `id` for `qname`/`qtype`; `None`
/// when it is not that (another ID, not a response, another question), so
/// the caller keeps waiting for the real one.
pub(super) fn parse_response(msg: &[u8], id: u16, qname: &[u8], qtype: u16) -> Option<Answer> {
    let mut r = Reader { msg, pos: 0 };
    let (rid, flags, qdcount, ancount) = (r.u16()?, r.u16()?, r.u16()?, r.u16()?);
    r.bytes(4)?; // authority and additional counts
                 // QR set, opcode QUERY, exactly our question.
    if rid != id || flags & 0x8000 == 0 || flags & 0x7800 != 0 || qdcount != 1 {
        return None;
    }
    if r.name()? != qname || r.u16()? != qtype || r.u16()? != CLASS_IN {
        return None;
    }
    if flags & 0x0200 != 0 {
        return Some(Answer::Truncated);
    }
    Some(match flags & 0x000f {
        0 => match addresses(&mut r, ancount, qname, qtype) {
            Some(ips) => Answer::Addrs(ips),
            None => Answer::Failed("malformed answer".into()),
        },
        3 => Answer::NxDomain,
        1 => Answer::Failed("FORMERR".into()),
        2 => Answer::Failed("SERVFAIL".into()),
        4 => Answer::Failed("NOTIMP".into()),
        5 => Answer::Failed("REFUSED".into()),
        rcode => Answer::Failed(format!("rcode {rcode}")),
    })
}

/// The answer section's addresses for the end of the CNAME chain that
/// starts at `qname`.
pub(super) fn addresses(
    r: &mut Reader<'_>,
    count: u16,
    qname: &[u8],
    qtype: u16,
) -> Option<Vec<IpAddr>> {
    let mut aliases: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut ips: Vec<(Vec<u8>, IpAddr)> = Vec::new();
    for _ in 0..count {
        let owner = r.name()?;
        let (rtype, class) = (r.u16()?, r.u16()?);
        r.bytes(4)?; // TTL: nothing is cached
        let len = usize::from(r.u16()?);
        let start = r.pos;
        let data = r.bytes(len)?;
        match (class, rtype) {
            (CLASS_IN, TYPE_CNAME) => {
                // The target may point back into the whole message.
                let (target, next) = read_name(r.msg, start)?;
                if next != start + len {
                    return None;
                }
                aliases.push((owner, target));
            }
            (CLASS_IN, TYPE_A) if qtype == TYPE_A => {
                ips.push((owner, IpAddr::from(<[u8; 4]>::try_from(data).ok()?)))
            }
            (CLASS_IN, TYPE_AAAA) if qtype == TYPE_AAAA => {
                ips.push((owner, IpAddr::from(<[u8; 16]>::try_from(data).ok()?)))
            }
            _ => {}
        }
    }
    let mut name = qname;
    for _ in 0..MAX_CNAME_HOPS {
        match aliases.iter().find(|(owner, _)| owner == name) {
            Some((_, target)) => name = target,
            None => break,
        }
    }
    Some(
        ips.into_iter()
            .filter(|(owner, _)| owner == name)
            .map(|(_, ip)| ip)
            .collect(),
    )
}

/// A cursor over a DNS message; every read is bounds-checked.
pub(super) struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.msg.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }

    pub(super) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.bytes(2)?.try_into().ok()?))
    }

    pub(super) fn name(&mut self) -> Option<Vec<u8>> {
        let (name, next) = read_name(self.msg, self.pos)?;
        self.pos = next;
        Some(name)
    }
}

/// The (possibly compressed) name at `pos`, lowercased in wire format, and
/// the position after it. Pointer loops and names over 255 bytes are `None`.
pub(super) fn read_name(msg: &[u8], mut pos: usize) -> Option<(Vec<u8>, usize)> {
    let mut name = Vec::new();
    let mut after = None;
    // Each step adds a label or follows a pointer: bounded even for loops.
    for _ in 0..256 {
        let len = *msg.get(pos)?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                name.push(0);
                return (name.len() <= 255).then_some((name, after.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(len))?;
                name.push(len);
                name.extend(label.iter().map(u8::to_ascii_lowercase));
                if name.len() > 255 {
                    return None;
                }
                pos += 1 + usize::from(len);
            }
            0xc0 => {
                let low = *msg.get(pos + 1)?;
                after.get_or_insert(pos + 2);
                pos = usize::from(len & 0x3f) << 8 | usize::from(low);
            }
            // 0x40 and 0x80: extended label types, long obsolete.
            _ => return None,
        }
    }
    None
}
