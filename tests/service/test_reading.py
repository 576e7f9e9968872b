"""Reading rules: the fact asked for, not a neighbouring one (service/answering/reading.py),
answers of the right kind, and follow-ups after a declined turn."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from index.periods import Window
from service.answering import judge, reading, words
from service.answering.extractive import ExtractiveAnswerer, is_statement
from service.answering.rewrite import rule_rewrite


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def ask(client: TestClient, question: str) -> dict[str, object]:
    body: dict[str, object] = client.post("/answer", json={"question": question}).json()
    return body


def test_the_completion_does_not_say_when_construction_began(client: TestClient) -> None:
    begun = "When did construction of the China-Russia east-route gas pipeline begin?"
    assert "December 2024" not in str(ask(client, begun)["answer"])
    completed = "In December 2024, the China-Russia east-route natural gas pipeline was completed."
    assert reading.contradicts(begun, completed)
    done = ask(client, "When was the China-Russia east-route natural gas pipeline completed?")
    assert "December 2024" in str(done["answer"])


def test_a_former_ambassador_is_not_the_current_one(client: TestClient) -> None:
    assert ask(client, "Who is Russia's current ambassador to China?")["answered"] is False
    assert "Zhang Hanhui" in str(ask(client, "Who is the Chinese ambassador to Russia?")["answer"])


def test_a_title_must_be_the_one_asked_about(client: TestClient) -> None:
    assert ask(client, "Who is China's foreign minister?")["answered"] is False
    premier = "Which Chinese premier was Putin scheduled to meet during his 2024 state visit?"
    assert str(ask(client, premier)["answer"]).startswith("Li Qiang [")


def test_an_amount_measures_what_was_asked(client: TestClient) -> None:
    assert ask(client, "How much has China invested in Russia?")["answered"] is False
    assert (
        ask(client, "What was the value of China-Russia bilateral trade in 2019?")["answered"]
        is False
    )  # "the two leaders" counts no trade
    sentence = "The two presidents are expected to sign several bilateral documents."
    question = "How many bilateral cooperation documents were exchanged?"
    assert judge.answer_spans(judge.AMOUNT, sentence, question, None) == []
    exchanged = "They witnessed the exchange of more than 20 bilateral cooperation documents."
    assert judge.answer_spans(judge.AMOUNT, exchanged, question, None) == ["more than 20"]
    total = "In 2024, bilateral trade reached $244.8 billion."
    assert not judge.answer_spans(judge.AMOUNT, total, "What was the inflation rate?", None)


def test_answers_of_the_kind_asked_for() -> None:
    assert judge.wanted("Which edition of the China-Russia Expo did Putin attend?") == (
        judge.ORDINAL
    )
    assert judge.wanted("Which social media platform banned political ads?") == judge.NAME
    harbin = "Putin is also expected to visit Harbin, the capital of Heilongjiang province."
    assert judge.answer_spans(judge.NAME, harbin, "Who met Putin?", None) == []  # no place
    film = "Exchanges, such as the co-produced film Red Silk, are deepening friendship."
    name = "What is the name of the film co-produced by China and Russia?"
    assert judge.answer_spans(judge.NAME, film, name, None)[0] == "Red Silk"
    assert reading.asked_role("Which Russian broadcaster interviewed the ambassador?") is None
    assert reading.asked_role("Which former Russian ambassador to China said so?") == ("ambassador")


def test_who_said_it_is_the_speaker_named() -> None:
    sentence = "Zhang Hanhui, Chinese ambassador to Russia, said Putin is an old friend."
    assert reading.holds_role("Zhang Hanhui", "ambassador", sentence)
    assert not reading.holds_role("Putin", "ambassador", sentence)
    assert reading.wrong_way("Who is Russia's ambassador to China?", sentence)
    assert not reading.wrong_way("Who is the Chinese ambassador to Russia?", sentence)


def test_a_declined_turn_leaves_no_subject_behind() -> None:
    declined = "The indexed articles don't say who won the 2022 World Cup. No article mentions …"
    asked = rule_rewrite(
        [user("Who won the 2022 World Cup?"), assistant(declined), user("And what about oil?")]
    )
    assert asked == "oil?" and "World Cup" not in asked
    gas = "When was the China-Russia east-route natural gas pipeline fully completed?"
    kept = rule_rewrite([user(gas), assistant("December 2024 [1]."), user("And in 2023?")])
    assert "pipeline" in kept and "2023" in kept


def test_after_a_declined_turn_the_follow_up_is_answered(client: TestClient) -> None:
    first = client.post("/chat", json={"messages": [user("Who won the 2022 World Cup?")]}).json()
    assert first["answered"] is False
    messages = [
        user("Who won the 2022 World Cup?"),
        assistant(first["answer"]),
        user("And what about oil?"),
    ]
    second = client.post("/chat", json={"messages": messages}).json()
    assert second["answered"] is True and "crude oil pipeline" in second["answer"]


def test_when_the_first_passages_do_not_answer_the_next_ones_are_read(client: TestClient) -> None:
    question = (
        "How many bilateral cooperation documents were exchanged during the talks at the Kremlin?"
    )
    body = ask(client, question)
    assert body["answered"] is True and str(body["answer"]).startswith("More than 20 [")
    passages = body["passages"]
    assert isinstance(passages, list) and len(passages) > 5  # as deep as the answer
    cited = int(str(body["answer"]).split("[")[1].split("]")[0])
    assert "more than 20 bilateral" in passages[cited - 1]["text"]
    answered_early = ask(client, "Which city will Putin visit to open the China-Russia Expo?")
    assert isinstance(answered_early["passages"], list) and len(answered_early["passages"]) == 5


def test_an_ordinal_ranks_what_was_asked() -> None:
    sentence = (
        "Putin chose China for his first foreign visit, and will open the 8th China-Russia Expo."
    )
    edition = "Which edition of the China-Russia Expo did Putin attend?"
    assert judge.answer_spans(judge.ORDINAL, sentence, edition, None) == ["8th"]
    anniversary = "Which anniversary of diplomatic relations did they celebrate?"
    assert judge.answer_spans(judge.ORDINAL, sentence, anniversary, None) == []


def test_the_value_of_trade_is_money_and_a_title_is_the_holders_own() -> None:
    peoples = "Relations carry forward the friendship between the two peoples."
    value = "What was the value of China-Russia bilateral trade?"
    assert judge.answer_spans(judge.AMOUNT, peoples, value, None) == []
    xi = (
        "In March, Xi, after being elected at the first session of the Congress, chose Russia, "
        "which the ambassador said showed the special nature of the ties."
    )
    assert not reading.holds_role("Xi", "ambassador", xi)
    won = "The Las Vegas Aces defeated the Connecticut Sun in Game 4 to capture their first title."
    assert not reading.contradicts("Which team won its first title?", won)
    assert reading.contradicts("Which team won its first title?", "The Sun were defeated.")


def test_an_acronym_no_article_holds_is_unknown(client: TestClient) -> None:
    body = ask(client, "Which team won the 2023 NBA Finals?")
    assert body["answered"] is False and "No article mentions NBA Finals" in str(body["answer"])
    sco = ask(client, "Which organization does China serve as rotating chair of?")
    assert sco["answered"] is True and "SCO" in str(sco["answer"])


def test_a_name_opening_a_sentence_is_a_name_when_a_past_verb_follows() -> None:
    sentence = "Moderna applied for US Food and Drug Administration authorization on Monday."
    question = "Which company applied for authorization of its vaccine?"
    assert "Moderna" in judge.answer_spans(judge.NAME, sentence, question, None)
    assert "The" not in judge.answer_spans(
        judge.NAME, "The company applied on Monday.", question, None
    )


def test_the_first_passage_weighs_more_than_a_later_one_saying_as_much(
    seeds_index: NewsIndex,
) -> None:
    question = "Which city will Putin visit to open the China-Russia Expo?"
    passages = seeds_index.search(question, 5).hits
    answerer = ExtractiveAnswerer(seeds_index.embedder, unknown_words=seeds_index.unknown_words)
    assessed = answerer.assess(question, passages + passages[:1])  # the first again, sixth
    same = [c for c in assessed.candidates if c.text == assessed.candidates[0].text]
    assert [c.passage for c in same][:2] == [1, 6] and same[0].score > same[1].score


def test_a_year_no_article_prints_is_unknown(client: TestClient) -> None:
    body = ask(client, "What bilateral trade target have China and Russia set for 2030?")
    assert body["answered"] is False and "No article mentions 2030" in str(body["answer"])


def test_the_same_fact_in_other_words(client: TestClient) -> None:
    planned = "What target did they hit earlier than planned?"
    said = (
        "Trade reached $240 billion, achieving the trade target of $200 billion ahead of schedule."
    )
    assert {"hit", "earlier", "plan"} <= words.shared(planned, said)
    first = "How much did China-Russia trade reach in the first quarter of 2024?"
    messages = [user(first), assistant("$56.8 billion [1]."), user("By how much did it grow?")]
    grew = client.post("/chat", json={"messages": messages}).json()
    assert grew["sentences"][0]["text"].startswith("5.2 percent [")  # "an increase of 5.2 …"


def test_two_names_qualifying_a_noun_are_no_name_and_a_date_asked_is_a_day() -> None:
    interview = "Zhang said so in an interview with Russia's RT News on China-Russia relations."
    question = "Which broadcaster interviewed Zhang?"
    assert judge.answer_spans(judge.NAME, interview, question, None)[0] == "Russia's RT News"
    breach = "T-Mobile confirmed that it had been breached."
    assert judge.answer_spans(judge.NAME, breach, "Which company was breached?", None)
    sworn = "After his re-election in May 2024, Putin was sworn in on May 7, 2024."
    assert judge.answer_spans(judge.DATE, sworn, "On what date was Putin sworn in?", None) == [
        "May 7, 2024"
    ]


def test_after_a_declined_turn_the_conversation_goes_on_from_the_last_answer() -> None:
    declined = "The indexed articles don't say who won the 2022 World Cup. No article mentions …"
    trade = "How much did China-Russia trade reach in the first quarter of 2024?"
    messages = [
        user(trade),
        assistant("$56.8 billion [1]."),
        user("Who won the 2022 World Cup?"),
        assistant(declined),
        user("And in 2023?"),
    ]
    assert rule_rewrite(messages) == "How much did China-Russia trade reach in 2023?"


def test_the_change_asked_about_must_be_said() -> None:
    begun = "When did construction of the China-Russia east-route gas pipeline begin?"
    trade = "In 2024, bilateral trade rose to 244.8 billion U.S. dollars."
    assert reading.unsaid(begun, trade)
    assert reading.unsaid(begun, "At the beginning of 2025, Xi and Putin held a virtual meeting.")
    assert not reading.unsaid(begun, "Construction of the pipeline started in 2014.")
    won = "Who won the 2024 United States presidential election?"
    assert reading.unsaid(won, "Upon Putin's re-election as President in May 2024, he left.")
    assert not reading.unsaid(won, "The Aces defeated the Sun to capture the title.")
    assert not reading.unsaid("Who is the Chinese ambassador to Russia?", "Zhang Hanhui said so.")


def test_only_the_change_the_question_asks_about_must_be_said() -> None:
    context = "Parasite became the first foreign film to win Best Picture. Who directed it?"
    assert not reading.unsaid(context, "Bong Joon Ho directed the South Korean film.")
    # "which company launched" asks the company, named by its kind, not the launch
    launched = "Which company launched its own brand of tequila this week?"
    assert not reading.unsaid(launched, "Tesla announced Tesla Tequila.")
    surge = "When is the surge of migrants at the border expected?"  # a change named as a thing
    assert not reading.unsaid(surge, "The policy will be lifted on May 23.")


def test_an_ordinal_picks_one_of_a_series() -> None:
    ninth = "When will the 9th China-Russia Expo be held?"
    assert reading.another_of_a_series(ninth, "He will open the 8th China-Russia Expo in May.")
    assert not reading.another_of_a_series(ninth, "The ninth China-Russia Expo opens in May.")
    assert not reading.another_of_a_series(
        "When did Xi and Putin first meet in 2025?", "At the beginning of 2025, they met."
    )  # "first met" ranks no series
    assert reading.another_of_a_series(ninth, "Xi and Putin signed a joint statement in 2023.")
    best = "Which film won best picture at the 27th Annual Critics Choice Awards?"
    assert not reading.another_of_a_series(best, "The Power of the Dog won the award.")
    weeks = "Talks entered their eighth week. Which country is the EU talking to?"
    assert not reading.another_of_a_series(weeks, "The UK is in talks with the bloc.")
    again = "Which official tested positive for the second time this month?"
    assert not reading.another_of_a_series(again, "Jill Biden tested positive on Wednesday.")


def test_a_noun_of_another_kind_is_another_thing() -> None:
    oil = "When will the China-Russia crude oil pipeline project be completed?"
    gas = "In December 2024, the China-Russia east-route natural gas pipeline was fully completed."
    assert reading.another_kind(oil, gas)
    assert not reading.another_kind(oil, "The crude oil pipeline, unlike the gas one, is done.")
    assert not reading.another_kind(
        "When did Xi and Putin hold their first meeting of 2025?", "They had a video meeting."
    )  # "first" ranks the meeting, "video" sorts it: no two kinds
    premier = "Which Chinese premier will Putin meet during his 2024 state visit to China?"
    assert not reading.another_kind(premier, "The programme of Putin's visit includes a meeting.")
    stamp = "Which late Justice will be featured on a new US postage stamp?"  # "a": described
    assert not reading.another_kind(stamp, "Ginsburg will be featured on a forever stamp.")
    city = "Which state's capital is facing a water crisis after its treatment plants failed?"
    assert not reading.another_kind(city, "Jackson's main water treatment facility failed.")


def test_a_year_the_question_names_must_hold() -> None:
    won = "Who won the 2024 United States presidential election?"
    anniversary = "This year marks the 80th anniversary of the victories."
    assert not judge.years_fit(won, anniversary, date(2025, 1, 26))
    assert judge.years_fit(won, anniversary, None)  # "this year" of no date is no year
    assert judge.years_fit(won, "Putin was re-elected in May 2024.", None)
    aged = "Mickelson won the 2021 PGA Championship. How old was he when he won?"
    assert judge.years_fit(aged, "Julius Boros won it in 1968 at age 48.", None)
    merge = "Which two supermarkets plan to merge in 2024?"  # a time, not a year naming the event
    assert judge.years_fit(
        merge, "Kroger and Albertsons plan to merge next year.", date(2022, 10, 14)
    )


def test_which_city_wants_a_place() -> None:
    summit = "In which city will the 2025 SCO summit be held?"
    met = "President Xi Jinping and President Vladimir Putin held a virtual meeting."
    assert judge.answer_spans(judge.NAME, met, summit, None) == []
    moscow = "Xi and Putin held talks in Moscow."
    assert judge.answer_spans(judge.NAME, moscow, summit, None) == ["Moscow"]
    # a place need not be written as one: the country is the sentence's subject
    greece = "Greece is keeping its borders closed to migrants."
    crisis = "Turkey let migrants cross, creating a crisis in what European country?"
    assert judge.answer_spans(judge.NAME, greece, crisis, None) == ["Greece"]
    charter = "Delegates gathered in the U.S. city of San Francisco to sign the Charter."
    signed = "In which city was the Charter signed?"
    assert judge.answer_spans(judge.NAME, charter, signed, None)[0] == "San Francisco"


def test_a_day_without_a_year_is_a_date_in_an_undated_article(client: TestClient) -> None:
    sworn = "It is his first trip since he was sworn in for his fifth term on May 7."
    assert judge.answer_spans(judge.DATE, sworn, "On what date was he sworn in?", None) == ["May 7"]
    body = ask(client, "On what date was Putin sworn in for his fifth term as Russian president?")
    assert str(body["answer"]).startswith("May 7 [")


def test_questions_the_seeds_do_not_answer_are_declined(client: TestClient) -> None:
    for question in (
        "Who won the 2024 United States presidential election?",
        "When did construction of the China-Russia east-route gas pipeline begin?",
        "When will the China-Russia crude oil pipeline project be completed?",
        "When will the 9th China-Russia Expo be held?",
    ):
        assert ask(client, question)["answered"] is False, question


def test_a_paragraph_without_its_period_and_a_short_sentence_are_statements() -> None:
    unmarked = (
        "Canada Post said it was seeking ‘clarification’ from the federal government after "
        "facing a backlash for banning the company’s 64,000-strong workforce from wearing N95 "
        "respirator-style masks at work"
    )
    assert is_statement(unmarked, last=True)
    assert not is_statement(unmarked)  # a headline, where its story follows it
    assert is_statement("Bennu is an asteroid.")
    headline = "China And Russia Sign Record Trade Deal In Moscow This Week Amid New Sanctions"
    assert not is_statement(headline)
    assert not is_statement("Canada Post bans N95 masks")  # a headline: short, no mark
    assert not is_statement("Read more.")


def test_when_joining_a_clause_asks_no_date_and_a_verb_ends_the_head() -> None:
    shooting = (
        "The United States saw its second mass shooting in less than as many weeks when a "
        "gunman opened fire at a supermarket, killing ten. In what city did it take place?"
    )
    assert judge.wanted(shooting) == judge.NAME
    assert judge.wanted("When will NASA next attempt to launch its new moon rocket?") == judge.DATE
    # "officials" is whom the virus makes reconsider, not what is asked
    virus = "Which virus is making officials at the WHO reconsider an emergency?"
    assert judge.wanted(virus) is None
    assert judge.wanted("Which fast food chain is testing a new chicken sandwich?") == judge.NAME


def test_a_quiz_statement_asks_by_this() -> None:
    held = "This state held its primary elections this week despite the pandemic."
    assert judge.as_asked(held) == f"Which{held.removeprefix('This')}"
    assert judge.wanted(judge.as_asked(held)) == judge.NAME
    asked = "Which state held its primary this week? This state voted by mail."
    assert judge.as_asked(asked) == asked  # a question asks as written
    assert judge.as_asked("A new report ranks this diet as the best.") == (
        "A new report ranks this diet as the best."
    )  # no kind of name


def test_a_name_opens_a_sentence_before_its_verb_or_an_appositive() -> None:
    vaccine = "Which country says it is on track to have a coronavirus vaccine ready?"
    russia = "Russia hasn’t completed the second phase of vaccine trials, but says it will be safe."
    assert judge.answer_spans(judge.NAME, russia, vaccine, None)[0] == "Russia"
    chain = "Which fast food chain is testing a new chicken sandwich?"
    kfc = "KFC, with chicken in its name, has found itself playing catch-up against rivals."
    assert judge.answer_spans(judge.NAME, kfc, chain, None) == ["KFC"]
    however = "However, the company said the sandwich would sell through June."
    assert judge.answer_spans(judge.NAME, however, chain, None) == []
    recently = "Recently, the company said the sandwich would sell through June."
    assert judge.answer_spans(judge.NAME, recently, chain, None) == []
    lockdown = "Which country went under a complete lockdown?"
    italy = "Italy went under a complete lockdown as cases rose in the north."
    assert judge.answer_spans(judge.NAME, italy, lockdown, None) == ["Italy"]


def test_a_role_written_in_the_name_is_held() -> None:
    judged = "Which federal judge is being considered by the Senate?"
    barrett = "Senate hearings began to vet federal Judge Amy Coney Barrett as the replacement."
    assert judge.answer_spans(judge.NAME, barrett, judged, None) == ["Judge Amy Coney Barrett"]
    governor = "Which Republican governor claimed credit for flying migrants to Martha’s Vineyard?"
    desantis = "Florida Gov. Ron DeSantis defended his decision to transport 48 migrants."
    assert judge.answer_spans(judge.NAME, desantis, governor, None) == ["Florida Gov. Ron DeSantis"]
    assert not reading.holds_role("Ron DeSantis", "senator", desantis)


def test_a_report_of_the_week_asked_about_fits_whatever_background_it_names() -> None:
    week = Window(date(2022, 8, 15), date(2022, 8, 19), "this week", "")
    lost = "Cheney has represented Wyoming since 2017, but lost the vote to Harriet Hageman."
    assert judge.time_fits(lost, date(2022, 8, 19), week)
    assert not judge.time_fits(lost, date(2022, 9, 1), week)  # a later article: its own times
    year = Window(date(2022, 1, 1), date(2022, 12, 31), "in 2022", "")
    assert not judge.time_fits(lost, date(2022, 8, 19), year)  # a year is no few days


def test_a_name_only_the_story_before_the_question_tells_leaves_it_open(client: TestClient) -> None:
    told = (
        "Military forces took control of the oil tanker Nave Andromeda after a hijacking. "
        "How much did bilateral trade between China and Russia reach in 2024?"
    )
    assert ask(client, told)["answered"] is True
    asked = "How much oil did the tanker Nave Andromeda carry to China in 2024?"
    body = ask(client, asked)
    assert body["answered"] is False and "Nave Andromeda" in str(body["answer"])
    maltese = ask(client, "What did Maltese officials say about Xi's May 2025 visit to Moscow?")
    assert "Maltese" not in str(maltese["answer"])  # a demonym: articles name the place
