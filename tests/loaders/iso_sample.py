"""Small ISO 20022 documents used by the camt.053 and pacs.008 tests."""

CAMT053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2024-04-01T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S1</Id>
      <Acct>
        <Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>
        <Ownr><Nm>Kara Import GmbH</Nm><Id><OrgId><Othr><Id>HRB1</Id></Othr></OrgId></Id></Ownr>
        <Svcr><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></Svcr>
      </Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000</Amt></Bal>
      <Ntry>
        <Amt Ccy="EUR">250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2024-03-28</Dt></BookgDt><AcctSvcrRef>REF-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-1</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Ali Demir</Nm><PstlAdr><Ctry>TR</Ctry></PstlAdr></Dbtr>
            <DbtrAcct><Id><IBAN>TR330006100519786457841326</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>invoice 7</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">900.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <BookgDt><DtTm>2024-03-29T15:00:00+01:00</DtTm></BookgDt><AcctSvcrRef>REF-2</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CWDL</Cd></Fmly></Domn></BkTxCd>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <BookgDt><Dt>2024-03-30</Dt></BookgDt><AcctSvcrRef>REF-3</AcctSvcrRef>
        <NtryDtls>
          <TxDtls><Refs><TxId>B-1</TxId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">100</Amt></TxAmt></AmtDtls>
            <RltdPties><CdtrAcct><Id><Othr><Id>LY-7788</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls>
          <TxDtls><Refs><TxId>B-2</TxId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">200</Amt></TxAmt></AmtDtls>
            <RltdPties><CdtrAcct><Id><Othr><Id>LY-7789</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">12,50</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <BookgDt><Dt>2024-03-31</Dt></BookgDt><AcctSvcrRef>REF-4</AcctSvcrRef>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""

PACS008 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
  <FIToFICstmrCdtTrf>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-05-01T08:00:00Z</CreDtTm><NbOfTxs>2</NbOfTxs>
      <SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>
    <CdtTrfTxInf>
      <PmtId><EndToEndId>E1</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR></PmtId>
      <IntrBkSttlmAmt Ccy="USD">1000.00</IntrBkSttlmAmt>
      <IntrBkSttlmDt>2024-05-02</IntrBkSttlmDt>
      <Dbtr><Nm>John Roe</Nm><PstlAdr><TwnNm>Houston</TwnNm><Ctry>US</Ctry></PstlAdr></Dbtr>
      <DbtrAcct><Id><Othr><Id>US-1</Id></Othr></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>BOFAUS3NXXX</BICFI></FinInstnId></DbtrAgt>
      <CdtrAgt><FinInstnId><BICFI>BNMXMXMMXXX</BICFI></FinInstnId></CdtrAgt>
      <Cdtr><Nm>Maria Lopez</Nm><PstlAdr><Ctry>MX</Ctry></PstlAdr></Cdtr>
      <CdtrAcct><Id><Othr><Id>MX-9</Id></Othr></Id></CdtrAcct>
      <RmtInf><Ustrd>family support</Ustrd></RmtInf>
    </CdtTrfTxInf>
    <CdtTrfTxInf>
      <PmtId><EndToEndId>E2</EndToEndId></PmtId>
      <IntrBkSttlmAmt Ccy="USD">abc</IntrBkSttlmAmt>
      <DbtrAcct><Id><Othr><Id>US-1</Id></Othr></Id></DbtrAcct>
      <CdtrAcct><Id><Othr><Id>MX-9</Id></Othr></Id></CdtrAcct>
    </CdtTrfTxInf>
  </FIToFICstmrCdtTrf>
</Document>
"""
