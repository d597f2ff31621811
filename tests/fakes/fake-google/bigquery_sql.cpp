// The fake BigQuery's GoogleSQL → SQLite translation.
//
// Supported (everything else is passed to SQLite as is, and what SQLite
// rejects comes back as a 400 invalidQuery with SQLite's message):
//   - table names `project.dataset.table`, `dataset.table` (default project),
//     `p`.`d`.`t`, and unquoted dataset.table after FROM/JOIN; a missing table
//     is 404 notFound "Not found: Table p:d.t";
//   - @named parameters (bound by the service; ARRAY parameters work with
//     `IN UNNEST(@p)`);
//   - "double-quoted" and 'single-quoted' string literals with backslash
//     escapes, r'raw' strings, -- # and /* */ comments;
//   - typed literals TIMESTAMP '...', DATE '...', DATETIME '...', TIME '...';
//   - CAST / SAFE_CAST ( x AS INT64 | FLOAT64 | STRING | BOOL | NUMERIC |
//     TIMESTAMP | DATE );
//   - INTERVAL n MICROSECOND|MILLISECOND|SECOND|MINUTE|HOUR|DAY (n a number
//     or a parameter) inside TIMESTAMP_ADD / TIMESTAMP_SUB / DATE_ADD / DATE_SUB;
//   - functions: CURRENT_TIMESTAMP(), CURRENT_DATE(), TIMESTAMP(x),
//     TIMESTAMP_MICROS/MILLIS/SECONDS, UNIX_MICROS/MILLIS/SECONDS,
//     TIMESTAMP_ADD/SUB, TIMESTAMP_DIFF(a, b, part), TIMESTAMP_TRUNC(ts, part)
//     (part: MICROSECOND..DAY, MONTH, YEAR; UTC), DATE(ts | 'text' | y, m, d),
//     DATE_ADD/DATE_SUB, FORMAT_TIMESTAMP(fmt, ts) (strftime, UTC),
//     SAFE_DIVIDE, IF (→ IIF), IFNULL, COALESCE, CONCAT, COUNTIF, ANY_VALUE
//     (→ MAX), LOGICAL_OR/LOGICAL_AND, and SQLite's own COUNT, SUM, AVG,
//     MIN, MAX, ROUND, ABS, LOWER, UPPER, LENGTH, SUBSTR;
//   - SELECT (WITH, JOIN, GROUP BY, ORDER BY ... NULLS LAST, LIMIT) and the
//     DML statements INSERT / UPDATE / DELETE.
// Not supported: legacy SQL, STRUCT/ARRAY constructors, UNNEST of columns,
// QUALIFY, MERGE, scripting, wildcard tables, time zones other than UTC.
//
// Storage types: INT64 and BOOL are SQLite integers, FLOAT64 reals, TIMESTAMP
// integer microseconds since the epoch, DATE/DATETIME/TIME/STRING/NUMERIC/
// BYTES (base64) text, RECORD and REPEATED columns JSON text.

#include "fakes/fake-google/bigquery_sql.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

#include "core/time.hpp"

namespace gbpm::fakes::google {
namespace {

using gbpm::google::FieldType;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

enum class TokenType { ident, quoted, string, number, param, punct, space };

struct Token {
  TokenType type;
  std::string text;  // identifier/punct/number text; string and quoted content decoded
};

Error invalid(std::string message) {
  return make_error(ErrorKind::data, std::move(message));
}

Result<std::vector<Token>> tokenize(std::string_view sql) {
  std::vector<Token> out;
  std::size_t i = 0;
  const auto n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      while (i < n && std::isspace(static_cast<unsigned char>(sql[i])) != 0) ++i;
      out.push_back({TokenType::space, " "});
    } else if (c == '#' || (c == '-' && i + 1 < n && sql[i + 1] == '-')) {
      while (i < n && sql[i] != '\n') ++i;
      out.push_back({TokenType::space, " "});
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const auto end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return invalid("Syntax error: Unclosed comment");
      i = end + 2;
      out.push_back({TokenType::space, " "});
    } else if (c == '\'' || c == '"' ||
               ((c == 'r' || c == 'R') && i + 1 < n && (sql[i + 1] == '\'' || sql[i + 1] == '"'))) {
      const bool raw = c == 'r' || c == 'R';
      if (raw) ++i;
      const char q = sql[i++];
      std::string value;
      bool closed = false;
      while (i < n) {
        const char d = sql[i++];
        if (d == q) {
          closed = true;
          break;
        }
        if (d == '\\' && !raw && i < n) {
          const char e = sql[i++];
          switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            default: value += e;
          }
        } else {
          value += d;
        }
      }
      if (!closed) return invalid("Syntax error: Unclosed string literal");
      out.push_back({TokenType::string, std::move(value)});
    } else if (c == '`') {
      const auto end = sql.find('`', i + 1);
      if (end == std::string_view::npos) return invalid("Syntax error: Unclosed identifier literal");
      out.push_back({TokenType::quoted, std::string(sql.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '@') {
      std::size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) != 0 || sql[j] == '_')) ++j;
      if (j == i + 1) return invalid("Syntax error: Unexpected \"@\"");
      out.push_back({TokenType::param, std::string(sql.substr(i, j - i))});
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
      std::size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) != 0 || sql[j] == '_')) ++j;
      out.push_back({TokenType::ident, std::string(sql.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
               (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0)) {
      std::size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) != 0 || sql[j] == '.' ||
                       ((sql[j] == '+' || sql[j] == '-') && (sql[j - 1] == 'e' || sql[j - 1] == 'E')))) {
        ++j;
      }
      out.push_back({TokenType::number, std::string(sql.substr(i, j - i))});
      i = j;
    } else {
      static constexpr std::array<std::string_view, 6> kTwo = {"<=", ">=", "<>", "!=", "||", "=="};
      std::string p(1, c);
      if (i + 1 < n) {
        const std::string_view two = sql.substr(i, 2);
        if (std::find(kTwo.begin(), kTwo.end(), two) != kTwo.end()) p = std::string(two);
      }
      i += p.size();
      out.push_back({TokenType::punct, std::move(p)});
    }
  }
  return out;
}

std::string sqlite_string(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string sqlite_ident(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::int64_t micros_per(std::string_view part) {
  const std::string p = upper(part);
  if (p == "MICROSECOND") return 1;
  if (p == "MILLISECOND") return 1000;
  if (p == "SECOND") return 1000000;
  if (p == "MINUTE") return 60LL * 1000000;
  if (p == "HOUR") return 3600LL * 1000000;
  if (p == "DAY") return 86400LL * 1000000;
  if (p == "WEEK") return 7 * 86400LL * 1000000;
  return 0;
}

bool is_date_part(std::string_view s) {
  const std::string p = upper(s);
  return micros_per(p) != 0 || p == "MONTH" || p == "QUARTER" || p == "YEAR";
}

class Translator {
 public:
  Translator(std::vector<Token> tokens, std::string_view default_project,
             const std::function<bool(const TableRef&)>& exists)
      : m_t(std::move(tokens)), m_project(default_project), m_exists(exists) {}

  Result<TranslatedQuery> run() {
    TranslatedQuery q;
    auto sql = range(0, m_t.size());
    if (!sql) return std::move(sql).error();
    q.sql = std::move(*sql);
    q.tables = m_tables;
    const std::size_t first = next(0);
    if (first < m_t.size()) {
      const std::string kw = upper(m_t[first].text);
      q.is_dml = kw == "INSERT" || kw == "UPDATE" || kw == "DELETE";
      if (kw == "MERGE") return invalid("MERGE is not supported by the fake BigQuery");
    }
    if (!q.is_dml) q.hints = hints();
    return q;
  }

 private:
  // Index of the next non-space token at or after i.
  [[nodiscard]] std::size_t next(std::size_t i) const {
    while (i < m_t.size() && m_t[i].type == TokenType::space) ++i;
    return i;
  }
  [[nodiscard]] std::size_t prev(std::size_t i) const {  // previous non-space before i, or npos
    while (i > 0) {
      --i;
      if (m_t[i].type != TokenType::space) return i;
    }
    return std::string::npos;
  }
  [[nodiscard]] bool is(std::size_t i, std::string_view text) const {
    return i < m_t.size() && (m_t[i].type == TokenType::ident || m_t[i].type == TokenType::punct) &&
           upper(m_t[i].text) == text;
  }
  // The index of the ')' matching the '(' at i, or npos.
  [[nodiscard]] std::size_t matching(std::size_t open) const {
    int depth = 0;
    for (std::size_t i = open; i < m_t.size(); ++i) {
      if (is(i, "(")) ++depth;
      if (is(i, ")") && --depth == 0) return i;
    }
    return std::string::npos;
  }

  Result<std::string> range(std::size_t begin, std::size_t end) {
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
      const Token& tok = m_t[i];
      switch (tok.type) {
        case TokenType::space: out += ' '; continue;
        case TokenType::string: out += sqlite_string(tok.text); continue;
        case TokenType::number:
        case TokenType::param:
        case TokenType::punct: out += tok.text; continue;
        case TokenType::quoted:
        case TokenType::ident: break;
      }
      // Table paths: `a.b.c`, `a`.`b`, or dataset.table after FROM/JOIN.
      const std::size_t p = prev(i);
      const bool from_context = p != std::string::npos &&
                                (is(p, "FROM") || is(p, "JOIN") || is(p, "INTO") || is(p, "UPDATE") || is(p, "TABLE"));
      if (tok.type == TokenType::quoted || from_context) {
        std::vector<std::string> parts;
        std::size_t j = i;
        for (;;) {
          std::string_view piece = m_t[j].text;
          if (m_t[j].type == TokenType::quoted) {
            std::size_t start = 0;
            while (start <= piece.size()) {
              const auto dot = piece.find('.', start);
              parts.emplace_back(
                  piece.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
              if (dot == std::string_view::npos) break;
              start = dot + 1;
            }
          } else {
            parts.emplace_back(piece);
          }
          if (j + 2 < end && is(j + 1, ".") &&
              (m_t[j + 2].type == TokenType::ident || m_t[j + 2].type == TokenType::quoted)) {
            j += 2;
          } else {
            break;
          }
        }
        if (parts.size() == 2 || parts.size() == 3) {
          TableRef ref =
              parts.size() == 3 ? TableRef{parts[0], parts[1], parts[2]} : TableRef{m_project, parts[0], parts[1]};
          if (m_exists(ref)) {
            if (std::find(m_tables.begin(), m_tables.end(), ref) == m_tables.end()) m_tables.push_back(ref);
            out += sqlite_ident(ref.sqlite_name());
            i = j;
            continue;
          }
          if (from_context || parts.size() == 3) {
            return make_error(ErrorKind::unavailable,
                              fmt::format("Not found: Table {}:{}.{} was not found in location US", ref.project,
                                          ref.dataset, ref.table));
          }
        }
        if (tok.type == TokenType::quoted) {
          for (std::size_t k = 0; k < parts.size(); ++k) out += (k > 0 ? "." : "") + sqlite_ident(parts[k]);
          i = j;
          continue;
        }
      }
      // An alias may be an SQLite keyword (AS nothing, AS key): quote it.
      if (tok.type == TokenType::ident && p != std::string::npos && is(p, "AS") && !is(i, "SELECT")) {
        out += sqlite_ident(tok.text);
        continue;
      }
      auto special = special_form(i, end, out);
      if (!special) return std::move(special).error();
      if (*special != std::string::npos) {
        i = *special;
        continue;
      }
      out += tok.text;
    }
    return out;
  }

  // Handles the token at i when it starts a construct that needs rewriting;
  // returns the index of its last token, or npos when it does not.
  Result<std::size_t> special_form(std::size_t i, std::size_t end, std::string& out) {
    const std::string word = upper(m_t[i].text);
    const std::size_t n1 = next(i + 1);
    const bool call = n1 < end && is(n1, "(");
    if (word == "CURRENT_TIMESTAMP" || word == "CURRENT_DATE") {
      out += word == "CURRENT_TIMESTAMP" ? "bq_current_timestamp()" : "bq_current_date()";
      if (call) {
        const std::size_t close = matching(n1);
        if (close == std::string::npos || close >= end) return invalid("Syntax error: unbalanced parentheses");
        return close;
      }
      return i;
    }
    if ((word == "TIMESTAMP" || word == "DATE" || word == "DATETIME" || word == "TIME") && n1 < end &&
        m_t[n1].type == TokenType::string) {
      out += word == "TIMESTAMP" ? "TIMESTAMP(" + sqlite_string(m_t[n1].text) + ")" : sqlite_string(m_t[n1].text);
      return n1;
    }
    if (word == "INTERVAL") {
      std::size_t v = n1;
      std::string amount;
      if (v < end && is(v, "-")) {
        amount = "-";
        v = next(v + 1);
      }
      if (v >= end || (m_t[v].type != TokenType::number && m_t[v].type != TokenType::param)) {
        return invalid("INTERVAL needs a number or a parameter in the fake BigQuery");
      }
      amount += m_t[v].text;
      const std::size_t u = next(v + 1);
      if (u >= end || micros_per(m_t[u].text) == 0) return invalid("unsupported INTERVAL unit");
      out += fmt::format("(({}) * {})", amount, micros_per(m_t[u].text));
      return u;
    }
    if ((word == "CAST" || word == "SAFE_CAST") && call) {
      const std::size_t close = matching(n1);
      if (close == std::string::npos || close > end) return invalid("Syntax error: unbalanced parentheses");
      std::size_t as = std::string::npos;
      int depth = 0;
      for (std::size_t k = n1; k < close; ++k) {
        if (is(k, "(")) ++depth;
        if (is(k, ")")) --depth;
        if (depth == 1 && is(k, "AS")) as = k;
      }
      if (as == std::string::npos) return invalid("Syntax error: CAST without AS");
      std::string type;
      for (std::size_t k = as + 1; k < close; ++k) {
        if (m_t[k].type != TokenType::space) type += upper(m_t[k].text);
      }
      auto inner = range(n1 + 1, as);
      if (!inner) return std::move(inner).error();
      if (type == "TIMESTAMP") {
        out += "TIMESTAMP(" + *inner + ")";
      } else if (type == "DATE") {
        out += "DATE(" + *inner + ")";
      } else {
        static const std::array<std::pair<std::string_view, std::string_view>, 8> kTypes = {{
            {"INT64", "INTEGER"},
            {"INTEGER", "INTEGER"},
            {"FLOAT64", "REAL"},
            {"FLOAT", "REAL"},
            {"STRING", "TEXT"},
            {"BOOL", "INTEGER"},
            {"NUMERIC", "REAL"},
            {"BIGNUMERIC", "REAL"},
        }};
        const auto it = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& kv) { return kv.first == type; });
        if (it == kTypes.end()) return invalid(fmt::format("CAST to {} is not supported by the fake BigQuery", type));
        out += fmt::format("CAST({} AS {})", *inner, it->second);
      }
      return close;
    }
    if (word == "UNNEST" && call) {
      const std::size_t arg = next(n1 + 1);
      const std::size_t close = next(arg + 1);
      if (arg < end && m_t[arg].type == TokenType::param && close < end && is(close, ")")) {
        out += "(SELECT value FROM json_each(" + m_t[arg].text + "))";
        return close;
      }
      return invalid("UNNEST is supported only as IN UNNEST(@array_parameter)");
    }
    if (call) {
      static const std::array<std::pair<std::string_view, std::string_view>, 4> kRenames = {{
          {"IF", "IIF"},
          {"ANY_VALUE", "MAX"},
          {"LOGICAL_OR", "MAX"},
          {"LOGICAL_AND", "MIN"},
      }};
      for (const auto& [from, to] : kRenames) {
        if (word == from) {
          out += to;
          return i;
        }
      }
    }
    // A date part argument: TIMESTAMP_TRUNC(ts, DAY) → TIMESTAMP_TRUNC(ts, 'DAY').
    if (m_t[i].type == TokenType::ident && is_date_part(word)) {
      const std::size_t p = prev(i);
      if (p != std::string::npos && is(p, ",") && n1 < end && is(n1, ")")) {
        out += sqlite_string(word);
        return i;
      }
    }
    return std::string::npos;
  }

  // Hints for the outermost SELECT list's items.
  std::vector<ColumnHint> hints() const {
    std::size_t i = 0;
    int depth = 0;
    std::size_t select = std::string::npos;
    for (; i < m_t.size(); ++i) {
      if (is(i, "(")) ++depth;
      if (is(i, ")")) --depth;
      if (depth == 0 && is(i, "SELECT")) {
        select = i;
        break;
      }
    }
    if (select == std::string::npos) return {};
    std::vector<std::vector<std::size_t>> items(1);
    depth = 0;
    for (i = next(select + 1); i < m_t.size(); i = next(i + 1)) {
      if (depth == 0 && (is(i, "DISTINCT") || is(i, "ALL")) && items.size() == 1 && items[0].empty()) continue;
      if (depth == 0 && (is(i, "FROM") || is(i, "WHERE") || is(i, "GROUP") || is(i, "ORDER") || is(i, "LIMIT") ||
                         is(i, "UNION") || is(i, "HAVING") || is(i, ";"))) {
        break;
      }
      if (is(i, "(")) ++depth;
      if (is(i, ")")) --depth;
      if (depth == 0 && is(i, ",")) {
        items.emplace_back();
        continue;
      }
      items.back().push_back(i);
    }
    std::vector<ColumnHint> out;
    for (auto item : items) {
      if (item.empty()) return {};
      // A wildcard (* or t.*) expands to several columns: positions no longer line up.
      if (is(item.back(), "*") && (item.size() == 1 || is(item[item.size() - 2], "."))) return {};
      // Drop "AS alias" or a bare trailing alias.
      if (item.size() >= 3 && is(item[item.size() - 2], "AS")) {
        item.resize(item.size() - 2);
      } else if (item.size() >= 2 && m_t[item.back()].type == TokenType::ident &&
                 (m_t[item[item.size() - 2]].type == TokenType::ident || is(item[item.size() - 2], ")") ||
                  m_t[item[item.size() - 2]].type == TokenType::quoted)) {
        item.pop_back();
      }
      out.push_back(hint_for(item));
    }
    return out;
  }

  [[nodiscard]] ColumnHint hint_for(const std::vector<std::size_t>& item) const {
    const auto column_path = [&](std::size_t from, std::size_t to) -> std::string {  // [from, to) of item
      if (to <= from || (to - from) % 2 == 0) return {};
      for (std::size_t k = from; k < to; ++k) {
        const Token& t = m_t[item[k]];
        const bool want_name = (k - from) % 2 == 0;
        if (want_name && t.type != TokenType::ident && t.type != TokenType::quoted) return {};
        if (!want_name && !is(item[k], ".")) return {};
      }
      const std::string& last = m_t[item[to - 1]].text;
      const auto dot = last.rfind('.');
      return dot == std::string::npos ? last : last.substr(dot + 1);
    };
    ColumnHint hint;
    if (const std::string col = column_path(0, item.size()); !col.empty()) {
      const std::string u = upper(col);
      if (u == "CURRENT_TIMESTAMP") {
        hint.type = FieldType::timestamp;
      } else if (u == "CURRENT_DATE") {
        hint.type = FieldType::date;
      } else if (u == "TRUE" || u == "FALSE") {
        hint.type = FieldType::boolean;
      } else {
        hint.column = col;
      }
      return hint;
    }
    if (item.size() == 2 && m_t[item[0]].type == TokenType::ident && m_t[item[1]].type == TokenType::string) {
      const std::string u = upper(m_t[item[0]].text);
      if (u == "TIMESTAMP") hint.type = FieldType::timestamp;
      if (u == "DATE") hint.type = FieldType::date;
      return hint;
    }
    if (item.size() >= 3 && m_t[item[0]].type == TokenType::ident && is(item[1], "(") && is(item.back(), ")")) {
      const std::string fn = upper(m_t[item[0]].text);
      if (fn == "MIN" || fn == "MAX" || fn == "ANY_VALUE") {
        hint.column = column_path(2, item.size() - 1);
      } else if (fn == "COUNT" || fn == "COUNTIF" || fn.rfind("UNIX_", 0) == 0 || fn == "TIMESTAMP_DIFF" ||
                 fn == "DATE_DIFF" || fn == "LENGTH") {
        hint.type = FieldType::int64;
      } else if (fn == "AVG" || fn == "SAFE_DIVIDE" || fn == "STDDEV") {
        hint.type = FieldType::float64;
      } else if (fn == "TIMESTAMP" || (fn.rfind("TIMESTAMP_", 0) == 0 && fn != "TIMESTAMP_DIFF") ||
                 fn == "CURRENT_TIMESTAMP") {
        hint.type = FieldType::timestamp;
      } else if (fn == "DATE" || fn == "CURRENT_DATE" || fn == "DATE_ADD" || fn == "DATE_SUB") {
        hint.type = FieldType::date;
      } else if (fn == "FORMAT_TIMESTAMP" || fn == "CONCAT" || fn == "LOWER" || fn == "UPPER" || fn == "SUBSTR") {
        hint.type = FieldType::string;
      } else if (fn == "LOGICAL_OR" || fn == "LOGICAL_AND") {
        hint.type = FieldType::boolean;
      } else if (fn == "CAST" || fn == "SAFE_CAST") {
        std::string type;
        for (std::size_t k = item.size() - 2; k > 1; --k) {
          if (is(item[k], "AS")) break;
          type = upper(m_t[item[k]].text) + type;
        }
        if (auto t = gbpm::google::parse_field_type(type); t) hint.type = *t;
      }
    }
    return hint;
  }

  std::vector<Token> m_t;
  std::string m_project;
  const std::function<bool(const TableRef&)>& m_exists;
  std::vector<TableRef> m_tables;
};

// ---- SQLite functions ----------------------------------------------------

const core::Clock& clock_of(sqlite3_context* ctx) {
  return *static_cast<const core::Clock*>(sqlite3_user_data(ctx));
}

std::int64_t now_micros(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.now().time_since_epoch()).count();
}

// Floors toward negative infinity.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::string date_text(std::int64_t micros) {
  const std::chrono::sys_days days{std::chrono::days{floor_div(micros, 86400LL * 1000000)}};
  const std::chrono::year_month_day ymd(days);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

// The argument as TIMESTAMP micros: integers are micros already, text is parsed.
std::optional<std::int64_t> ts_arg(sqlite3_context* ctx, sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: return sqlite3_value_int64(v);
    case SQLITE_FLOAT: return static_cast<std::int64_t>(sqlite3_value_double(v));
    case SQLITE_TEXT: {
      const std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                                  static_cast<std::size_t>(sqlite3_value_bytes(v)));
      auto micros = parse_timestamp_text(text);
      if (!micros) {
        sqlite3_result_error(ctx, micros.error().message.c_str(), -1);
        return std::nullopt;
      }
      return *micros;
    }
    default: sqlite3_result_null(ctx); return std::nullopt;
  }
}

std::string text_arg(sqlite3_value* v) {
  const auto* p = sqlite3_value_text(v);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

void fn_current_timestamp(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_int64(ctx, now_micros(clock_of(ctx)));
}
void fn_current_date(sqlite3_context* ctx, int, sqlite3_value**) {
  const std::string d = date_text(now_micros(clock_of(ctx)));
  sqlite3_result_text(ctx, d.c_str(), static_cast<int>(d.size()), SQLITE_TRANSIENT);
}
void fn_timestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (auto t = ts_arg(ctx, argv[0])) sqlite3_result_int64(ctx, *t);
}
template <std::int64_t kScale>
void fn_scale_up(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]) * kScale);
}
template <std::int64_t kScale>
void fn_unix(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (auto t = ts_arg(ctx, argv[0])) sqlite3_result_int64(ctx, floor_div(*t, kScale));
}
template <int kSign>
void fn_timestamp_add(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto t = ts_arg(ctx, argv[0]);
  if (!t) return;
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  sqlite3_result_int64(ctx, *t + kSign * sqlite3_value_int64(argv[1]));
}
void fn_timestamp_diff(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto a = ts_arg(ctx, argv[0]);
  if (!a) return;
  auto b = ts_arg(ctx, argv[1]);
  if (!b) return;
  const std::int64_t unit = micros_per(text_arg(argv[2]));
  if (unit == 0) return sqlite3_result_error(ctx, "TIMESTAMP_DIFF: unsupported date part", -1);
  sqlite3_result_int64(ctx, (*a - *b) / unit);
}
void fn_timestamp_trunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto t = ts_arg(ctx, argv[0]);
  if (!t) return;
  const std::string part = upper(text_arg(argv[1]));
  if (const std::int64_t unit = micros_per(part); unit != 0 && part != "WEEK") {
    return sqlite3_result_int64(ctx, floor_div(*t, unit) * unit);
  }
  const std::chrono::sys_days days{std::chrono::days{floor_div(*t, 86400LL * 1000000)}};
  std::chrono::year_month_day ymd(days);
  if (part == "MONTH") {
    ymd = std::chrono::year_month_day(ymd.year(), ymd.month(), std::chrono::day{1});
  } else if (part == "YEAR") {
    ymd = std::chrono::year_month_day(ymd.year(), std::chrono::January, std::chrono::day{1});
  } else {
    return sqlite3_result_error(ctx, "TIMESTAMP_TRUNC: unsupported date part", -1);
  }
  sqlite3_result_int64(ctx, std::chrono::sys_days(ymd).time_since_epoch().count() * 86400LL * 1000000);
}
void fn_date(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc == 3) {
    const std::chrono::year_month_day ymd{std::chrono::year{sqlite3_value_int(argv[0])},
                                          std::chrono::month{static_cast<unsigned>(sqlite3_value_int(argv[1]))},
                                          std::chrono::day{static_cast<unsigned>(sqlite3_value_int(argv[2]))}};
    if (!ymd.ok()) return sqlite3_result_error(ctx, "DATE: no such date", -1);
    const std::string d = date_text(std::chrono::sys_days(ymd).time_since_epoch().count() * 86400LL * 1000000);
    return sqlite3_result_text(ctx, d.c_str(), static_cast<int>(d.size()), SQLITE_TRANSIENT);
  }
  auto t = ts_arg(ctx, argv[0]);
  if (!t) return;
  const std::string d = date_text(*t);
  sqlite3_result_text(ctx, d.c_str(), static_cast<int>(d.size()), SQLITE_TRANSIENT);
}
template <int kSign>
void fn_date_add(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto t = ts_arg(ctx, argv[0]);
  if (!t) return;
  const std::string d = date_text(*t + kSign * sqlite3_value_int64(argv[1]));
  sqlite3_result_text(ctx, d.c_str(), static_cast<int>(d.size()), SQLITE_TRANSIENT);
}
void fn_format_timestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto t = ts_arg(ctx, argv[1]);
  if (!t) return;
  const std::time_t secs = static_cast<std::time_t>(floor_div(*t, 1000000));
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  std::string format = text_arg(argv[0]);
  std::array<char, 256> buf{};
  // The format is the query's: strftime conversions are what FORMAT_TIMESTAMP uses.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const std::size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &tm);
#pragma GCC diagnostic pop
  sqlite3_result_text(ctx, buf.data(), static_cast<int>(n), SQLITE_TRANSIENT);
}
void fn_safe_divide(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(ctx);
  }
  const double b = sqlite3_value_double(argv[1]);
  if (b == 0.0) return sqlite3_result_null(ctx);
  sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / b);
}
void fn_concat(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    out += text_arg(argv[i]);
  }
  sqlite3_result_text(ctx, out.c_str(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}
void countif_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* count = static_cast<std::int64_t*>(sqlite3_aggregate_context(ctx, sizeof(std::int64_t)));
  if (count != nullptr && sqlite3_value_type(argv[0]) != SQLITE_NULL && sqlite3_value_int64(argv[0]) != 0) ++*count;
}
void countif_final(sqlite3_context* ctx) {
  auto* count = static_cast<std::int64_t*>(sqlite3_aggregate_context(ctx, 0));
  sqlite3_result_int64(ctx, count == nullptr ? 0 : *count);
}

}  // namespace

Result<TranslatedQuery> translate_query(std::string_view sql, std::string_view default_project,
                                        const std::function<bool(const TableRef&)>& exists) {
  auto tokens = tokenize(sql);
  if (!tokens) return std::move(tokens).error();
  Translator t(std::move(*tokens), default_project, exists);
  return t.run();
}

void register_bigquery_functions(sqlite3* db, const core::Clock& clock) {
  void* user = const_cast<core::Clock*>(&clock);  // NOLINT: SQLite's user data is void*
  const int flags = SQLITE_UTF8;
  struct Fn {
    const char* name;
    int args;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const std::array<Fn, 20> fns{{
      {"bq_current_timestamp", 0, fn_current_timestamp},
      {"bq_current_date", 0, fn_current_date},
      {"TIMESTAMP", 1, fn_timestamp},
      {"TIMESTAMP_MICROS", 1, fn_scale_up<1>},
      {"TIMESTAMP_MILLIS", 1, fn_scale_up<1000>},
      {"TIMESTAMP_SECONDS", 1, fn_scale_up<1000000>},
      {"UNIX_MICROS", 1, fn_unix<1>},
      {"UNIX_MILLIS", 1, fn_unix<1000>},
      {"UNIX_SECONDS", 1, fn_unix<1000000>},
      {"TIMESTAMP_ADD", 2, fn_timestamp_add<1>},
      {"TIMESTAMP_SUB", 2, fn_timestamp_add<-1>},
      {"TIMESTAMP_DIFF", 3, fn_timestamp_diff},
      {"TIMESTAMP_TRUNC", 2, fn_timestamp_trunc},
      {"DATE", 1, fn_date},
      {"DATE", 3, fn_date},
      {"DATE_ADD", 2, fn_date_add<1>},
      {"DATE_SUB", 2, fn_date_add<-1>},
      {"FORMAT_TIMESTAMP", 2, fn_format_timestamp},
      {"SAFE_DIVIDE", 2, fn_safe_divide},
      {"CONCAT", -1, fn_concat},
  }};
  for (const Fn& f : fns) sqlite3_create_function(db, f.name, f.args, flags, user, f.fn, nullptr, nullptr);
  sqlite3_create_function(db, "COUNTIF", 1, flags, nullptr, nullptr, countif_step, countif_final);
}

Result<std::int64_t> parse_timestamp_text(std::string_view text) {
  std::string s(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > 4 && upper(s.substr(s.size() - 4)) == " UTC") s.resize(s.size() - 4);
  auto t = core::parse_utc(s, /*naive_is_utc=*/true);
  if (!t) return make_error(ErrorKind::data, fmt::format("Invalid timestamp: '{}'", text));
  return std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
}

std::string format_timestamp_micros(std::int64_t micros) {
  const std::int64_t secs = floor_div(micros, 1000000);
  const std::int64_t frac = micros - secs * 1000000;
  const std::int64_t day = floor_div(secs, 86400);
  const std::int64_t rem = secs - day * 86400;
  return fmt::format("{}T{:02}:{:02}:{:02}.{:06}Z", date_text(micros), rem / 3600, (rem / 60) % 60, rem % 60, frac);
}

std::string float_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  const double mag = std::fabs(value);
  std::array<char, 64> buf{};
  if (value == 0.0 || (mag >= 1e-3 && mag < 1e7)) {
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
    std::string s(buf.data(), end);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  // Java's Double.toString form, as BigQuery writes it: 1.7145864E9.
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  std::string s(buf.data(), end);
  const auto e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  const int exponent = std::stoi(s.substr(e + 1));
  return fmt::format("{}E{}", mantissa, exponent);
}

std::string float_seconds_text(std::int64_t micros) {
  return float_text(static_cast<double>(micros) / 1e6);
}

}  // namespace gbpm::fakes::google
