"""The generic XML baselines that run.py times, each in a process of its own.

``python benchmarks/baselines.py parse-serialise SRC DST``: lxml reads the whole tree and
writes it back, what most XML tools do.

``python benchmarks/baselines.py iterparse-edit SRC DST``: lxml streams the file with
``iterparse`` and does the edit of ``remove-document-access`` (every ``DocumentAccess``
item out of every Foreign Domain document), writing each top-level element as it is
complete, in about constant memory: the best a generic streaming XML tool can do.

Both use a safe parser (no DTD, no network, no entity expansion), as dxltools does.

``python benchmarks/baselines.py read-count SRC DST``: the floor the issue names for any
Python tool: read the file through Python in the chunks dxltools reads (1 MB) and count
``<document`` in them, writing only the count. No parse, no edit, no output file of the
file's size.

``python benchmarks/baselines.py safe-copy SRC DST``: the floor the data-safety standard
sets for any tool that rewrites a file, as dxltools writes every rewrite: the file copied
through Python in 1 MB chunks into a new temporary file beside DST, the CRC-32 of every
chunk taken, the file read back and its CRC-32 compared, flushed to disk (``fsync``),
renamed over DST and the folder flushed. No parse, no edit. ``cp`` does none of the
checking and flushing.

This file imports only lxml, so it runs by path with no package around it.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import zlib
from collections.abc import Sequence

from lxml import etree

DXL = "{http://www.lotus.com/dxl}"
FOREIGN_DOMAIN_TYPE = "ForeignDomain"
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*>")
_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_XMLNS = b' xmlns="http://www.lotus.com/dxl"'


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def parse_serialise(source: str, target: str) -> int:
    """Parse the whole file into a tree and write it back; the number of elements."""
    tree = etree.parse(source, _parser())
    tree.write(target, encoding="utf-8", xml_declaration=True)
    return sum(1 for _ in tree.getroot().iter())


def _item_value(item: etree._Element) -> str:
    return "".join(item.itertext()).strip()


def _is_foreign_domain(document: etree._Element) -> bool:
    for item in document.iterchildren(f"{DXL}item"):
        if str(item.get("name", "")).lower() == "domaintype":
            return _item_value(item) == FOREIGN_DOMAIN_TYPE
    return False


def _remove_document_access(document: etree._Element) -> int:
    doomed = [
        item
        for item in document.iterchildren(f"{DXL}item")
        if str(item.get("name", "")).lower() == "documentaccess"
    ]
    for item in doomed:
        document.remove(item)
    return len(doomed)


def _prolog(source: str) -> bytes:
    """The XML declaration and DOCTYPE, as the file has them."""
    with open(source, "rb") as stream:
        head = stream.read(65536)
    doctype = _DOCTYPE.search(head)
    return _DECLARATION + (doctype.group(0) + b"\n" if doctype else b"")


def _start_tag(root: etree._Element) -> bytes:
    shell = etree.Element(root.tag, root.attrib, nsmap=root.nsmap)
    shell.text = "-"
    return etree.tostring(shell, encoding="utf-8").split(b">-</", 1)[0] + b">\n"


def iterparse_edit(source: str, target: str) -> int:
    """Stream ``source`` to ``target`` removing DocumentAccess from Foreign Domain
    documents; the number of items removed."""
    removed = 0
    depth = 0
    root_end = b""
    events = etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
    )
    with open(target, "wb", buffering=1 << 20) as out:
        out.write(_prolog(source))
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    out.write(_start_tag(element))
                    root_end = f"</{etree.QName(element).localname}>\n".encode()
                continue
            depth -= 1
            if depth != 1:
                continue
            # a top-level child is complete: edit it, write it, and free it
            if element.tag == f"{DXL}document" and _is_foreign_domain(element):
                removed += _remove_document_access(element)
            # each element serialised alone re-declares the namespace its root holds
            out.write(etree.tostring(element, encoding="utf-8").replace(_XMLNS, b"", 1))
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
        out.write(root_end)
    return removed


_CHUNK = 1 << 20  # what dxltools reads at a time (dxltools.dxl.buffer.DEFAULT_CHUNK_SIZE)
_NOTE_START = b"<document"


def read_count(source: str, target: str, chunk_size: int = _CHUNK) -> int:
    """Read ``source`` a chunk at a time and count ``<document`` in it (a tag cut by the
    end of a chunk counted once); write the count to ``target``; return it."""
    count = 0
    short = len(_NOTE_START) - 1  # bytes too few to hold the needle alone
    tail = b""
    with open(source, "rb") as stream:
        while chunk := stream.read(chunk_size):
            # Across the cut: the last bytes before it and the first after it, no copy
            # of the chunk. Neither side alone is long enough to hold a match.
            count += (tail + chunk[:short]).count(_NOTE_START) + chunk.count(_NOTE_START)
            tail = (tail + chunk)[-short:] if len(chunk) < short else chunk[-short:]
    with open(target, "w", encoding="ascii") as out:
        out.write(f"{count}\n")
    return count


def safe_copy(source: str, target: str, chunk_size: int = _CHUNK) -> int:
    """Copy ``source`` over ``target`` as a safe rewrite writes it (see the module's
    docstring); the number of bytes copied. On any failure ``target`` is left as it was
    and the temporary file removed."""
    folder = os.path.dirname(os.path.abspath(target))
    handle, temporary = tempfile.mkstemp(prefix=".safe-copy-", dir=folder)
    try:
        with open(source, "rb") as stream, os.fdopen(handle, "w+b") as output:
            size, crc = 0, 0
            while chunk := stream.read(chunk_size):
                output.write(chunk)
                size, crc = size + len(chunk), zlib.crc32(chunk, crc)
            output.flush()
            output.seek(0)
            read_back, back_crc = 0, 0
            while block := output.read(chunk_size):
                read_back, back_crc = read_back + len(block), zlib.crc32(block, back_crc)
            if (read_back, back_crc) != (size, crc):
                raise OSError(f"{temporary}: read back {read_back} bytes, wrote {size}")
            os.fsync(output.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return size


def main(argv: Sequence[str]) -> int:
    commands = {
        "parse-serialise": parse_serialise,
        "iterparse-edit": iterparse_edit,
        "read-count": read_count,
        "safe-copy": safe_copy,
    }
    if len(argv) != 3 or argv[0] not in commands:
        print(f"usage: baselines.py {{{','.join(commands)}}} SRC DST", file=sys.stderr)
        return 2
    commands[argv[0]](argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
