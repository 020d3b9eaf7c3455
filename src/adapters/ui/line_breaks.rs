//! Texts the shop sends (the post-payment message, the store name) wrap on the shopper's screen
//! in whatever box the layout gives them. A last line holding one word, or one Chinese character,
//! reads as a mistake; tying the last two words together moves one more word down with it.

/// Glue that forbids a break without showing anything (Unicode line-breaking class WJ).
const WORD_JOINER: char = '\u{2060}';
/// A space that forbids a break (class GL).
const NO_BREAK_SPACE: char = '\u{00A0}';

/// Han, kana and hangul: scripts that may break between any two characters.
pub fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Punctuation that never starts a line: it already stays with the character before it.
pub fn trails(c: char) -> bool {
    "。，、．！？：；」』）》〉…,.!?:;)]”’%".contains(c)
}

/// `text` with its last two words (or last two Chinese characters) joined so that a wrapped
/// line never ends the text with one of them alone. Texts of one word come back unchanged.
pub fn keep_last_words_together(text: &str) -> String {
    let end = text.trim_end();
    let core = end.trim_end_matches(trails);
    let Some(last) = core.chars().next_back() else {
        return text.to_owned();
    };
    let mut joined = String::with_capacity(text.len() + 3);
    if breaks_anywhere(last) {
        let at = core.len() - last.len_utf8();
        if !core[..at].chars().next_back().is_some_and(breaks_anywhere) {
            return text.to_owned();
        }
        joined.push_str(&text[..at]);
        joined.push(WORD_JOINER);
        joined.push_str(&text[at..]);
    } else {
        let Some(space) = core.rfind(char::is_whitespace) else {
            return text.to_owned();
        };
        // The whole run of spaces before the last word becomes one space that cannot break.
        let run_start = core[..space].trim_end().len();
        let run_end = space + core[space..].chars().next().map_or(0, char::len_utf8);
        if run_start == 0 || core[run_start..run_end].contains('\n') {
            return text.to_owned();
        }
        joined.push_str(&text[..run_start]);
        joined.push(NO_BREAK_SPACE);
        joined.push_str(&text[run_end..]);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_two_words_are_tied() {
        assert_eq!(
            keep_last_words_together("See you soon"),
            "See you\u{a0}soon"
        );
        assert_eq!(
            keep_last_words_together("Tot ziens!  "),
            "Tot\u{a0}ziens!  "
        );
    }

    #[test]
    fn the_last_two_chinese_characters_are_tied_with_their_punctuation() {
        assert_eq!(keep_last_words_together("谢谢惠顾。"), "谢谢惠\u{2060}顾。");
    }

    #[test]
    fn one_word_and_line_ends_are_left_alone() {
        for text in ["Thanks", "", "  ", "谢", "Line one\nend", "App 款"] {
            assert_eq!(keep_last_words_together(text), text, "{text:?}");
        }
    }
}
