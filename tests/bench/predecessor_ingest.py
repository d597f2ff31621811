#!/usr/bin/env python3
"""The baseline for ingest_bench: an IRIS drop → SQLite uploader written the
way the predecessor's iris_to_bigquery_unified.py was, with SQLite standing in
for BigQuery:

  - scan <DROP>/<DATASET>/ folders, map the upper-cased folder name to a
    table bmrs_<dataset>_iris; unmapped folders are skipped (as it did);
  - json.load per file; each record becomes a dict row: top-level keys,
    strings holding both 'T' and 'Z' rewritten as timestamps, nested values
    serialised, plus ingested_utc and source='IRIS';
  - per scan of up to MAX_FILES_PER_SCAN files, one executemany of all rows
    per table, one commit, then the files of the scan are deleted.

It is given the best case the predecessor never had: a local database in WAL
mode (synchronous=FULL, the same durability as iris-ingest), plain INSERTs
with no dedup and untyped columns.

  predecessor_ingest.py DROP DB
Prints one line: "files records seconds peak_rss_kb cpu_seconds".
"""
import datetime
import json
import os
import resource
import sqlite3
import sys
import time

MAX_FILES_PER_SCAN = 2000
TABLES = {d: f"bmrs_{d.lower()}_iris" for d in (
    "BOALF", "BOD", "MILS", "MELS", "FREQ", "FUELINST", "REMIT", "MID", "BEB", "BOAV", "DISEBSP", "DISPTAV",
    "EBOCF", "ISPSTACK", "SMSG", "INDO", "INDGEN", "INDDEM", "WINDFOR")}


def transform(record, ingested):
    row = {}
    for key, value in record.items():
        if isinstance(value, str) and "T" in value and "Z" in value:
            value = value.replace("T", " ").replace("Z", "").split(".")[0]
        elif isinstance(value, (list, dict)):
            value = json.dumps(value)
        row[key] = value
    row["ingested_utc"] = ingested
    row["source"] = "IRIS"
    return row


def ensure_table(db, known, table, row):
    if table in known:
        return known[table]
    columns = list(row.keys())
    db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    known[table] = (columns, sql)
    return known[table]


def main():
    drop, path = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    known = {}
    files = records = 0
    start = time.monotonic()
    while True:
        batch = []
        for folder in os.listdir(drop):
            table = TABLES.get(folder.upper())
            if table is None or folder.startswith("."):
                continue  # the predecessor skipped unmapped datasets silently
            for name in os.listdir(os.path.join(drop, folder)):
                if name.endswith(".json"):
                    batch.append((table, os.path.join(drop, folder, name)))
                if len(batch) >= MAX_FILES_PER_SCAN:
                    break
            if len(batch) >= MAX_FILES_PER_SCAN:
                break
        if not batch:
            break
        rows = {}
        ingested = datetime.datetime.utcnow().isoformat()
        for table, file in batch:
            with open(file) as f:
                data = json.load(f)
            if isinstance(data, str):
                data = json.loads(data)
            if isinstance(data, dict):
                data = [data]
            rows.setdefault(table, []).extend(transform(r, ingested) for r in data)
        for table, table_rows in rows.items():
            columns, sql = ensure_table(db, known, table, table_rows[0])
            db.executemany(sql, [{c: r.get(c) for c in columns} for r in table_rows])
            records += len(table_rows)
        db.commit()
        for _, file in batch:
            os.remove(file)
        files += len(batch)
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(files, records, f"{seconds:.3f}", usage.ru_maxrss, f"{usage.ru_utime + usage.ru_stime:.3f}")


if __name__ == "__main__":
    main()
