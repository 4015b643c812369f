-- One row per paragraph with its role: body, subhead, credit, caption, page_junk or teaser.
-- Why: credit lines, photo captions, site navigation and prompts are not article text, and dumps
-- glue cut-off teasers of other stories onto a page (seed 002); they leave the body but are kept
-- (credits in a column, the others as fragments), and their dates do not mislead the date models.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, paragraph_no
with paragraphs as (
    -- The patterns read the first 400 characters: no longer paragraph can be a credit, caption or
    -- page junk (the length checks below), so a huge paragraph costs no more than a short one.
    select
        *,
        left(paragraph_text, 400) as paragraph_start,
        count(*) over (partition by doc_id) as paragraph_count,
        median(char_length) over (partition by doc_id) as median_length,
        char_length <= 200 and (
            regexp_matches(
                paragraph_start,
                '^(?i)(?:file |aerial )?(?:photo|picture|image|video|graphic|illustration|caption)s?'
                || '(?: credits?)?\s*[:/|]'
            )
            or regexp_matches(paragraph_start, '^(?i)agencies(?:\s*[-–—:,]\s*\S.*)?$')
            or regexp_matches(
                paragraph_start,
                '^(?i)(?:with inputs from|additional reporting by|reporting by|editing by|'
                || 'compiled by|written by|sources?:)\s'
            )
            or regexp_matches(
                paragraph_start,
                '^[-–—(]?\s*(?:' || credit_agencies() || ')\s*\)?$'
            )
            or regexp_matches(
                paragraph_start,
                '^(?:' || credit_agencies() || ') ?(?:Photo|Images|/)'
            )
        ) as looks_like_credit,
        -- "... speaks in Kyiv on June 1, 2025. REUTERS/Gleb Garanich", "(AP Photo/Efrem Lukatsky)"
        char_length <= 400 and (
            regexp_matches(
                paragraph_start,
                -- Reuters signs its pictures in capitals
                '(?:REUTERS|' || credit_agencies() || ')/[A-Z][\p{L} .''’-]+\)?$'
            )
            or regexp_matches(
                paragraph_start,
                '\((?:' || credit_agencies() || ') Photo[^)]*\)$'
            )
        ) as looks_like_caption,
        -- Site navigation, share and comment prompts, newsletter and ad slots: a label alone, a
        -- label heading a list of links ("Read more: ..."), a prompt, or "Home | World | Europe".
        char_length <= 120 and (
            regexp_matches(
                paragraph_start,
                '^(?i)(?:related(?: articles| stories| news| content| coverage)?|read more|read also'
                || '|also read|recommended(?: for you)?|most (?:read|popular|viewed)|trending(?: now)?'
                || '|you (?:may|might) also like|advertisement|advertising|sponsored(?: content)?'
                || '|share(?: this)?(?: article| story)?|comments?(?: \(\d+\))?|print|email'
                || '|back to top|skip to (?:main )?content)\s*[:»>|.!]*$'
            )
            or regexp_matches(
                paragraph_start, '^(?i)(?:read more|related|also read|more from|see also|watch|listen)\s*:'
            )
            or regexp_matches(
                paragraph_start,
                '^(?i)(?:sign up (?:for|to)|subscribe (?:to|for)|follow us on|share (?:this|on)'
                || '|click here|tap here|leave a comment|join the conversation|download (?:our|the) app)\b'
            )
            or regexp_matches(paragraph_start, '^(?:[\p{L}&]+(?: [\p{L}&]+)? ?[|›>»] ?){2,}[\p{L}& ]+$')
        ) as looks_like_page_junk
    from staging.stg_paragraphs
    where doc_id in (select doc_id from intermediate.int_changed_documents)
),

teaser_marks as (
    -- A teaser is cut off mid-sentence and either repeats another document's opening, or is far
    -- longer than the article's own paragraphs.
    select
        paragraphs.*,
        paragraphs.is_unterminated and (
            matches.teased_doc_id is not null
            or (
                paragraphs.char_length >= greatest(300, 2 * paragraphs.median_length)
                and paragraphs.paragraph_count >= 4
            )
        ) as looks_like_teaser
    from paragraphs
    left join intermediate.int_teaser_matches as matches
        using (doc_id, paragraph_no)
),

article_end as (
    -- Only the unbroken run of teaser-like paragraphs at the end is appended material.
    select
        *,
        coalesce(
            max(paragraph_no) filter (
                where not looks_like_teaser
                    and not looks_like_credit
                    and not looks_like_caption
                    and not looks_like_page_junk
            ) over (partition by doc_id),
            0
        ) as last_article_paragraph
    from teaser_marks
)

select
    doc_id, -- the document
    paragraph_no, -- 1-based position in the document body
    paragraph_text, -- the paragraph
    case
        when looks_like_credit then 'credit'
        when looks_like_caption then 'caption'
        when looks_like_page_junk then 'page_junk'
        when looks_like_teaser and paragraph_no > last_article_paragraph
            and last_article_paragraph >= 1 then 'teaser'
        when char_length <= 80 and is_unterminated then 'subhead'
        else 'body'
    end as role -- body, subhead (kept in the body), credit, caption, page_junk or teaser (split off)
from article_end
